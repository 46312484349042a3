// Issue 14, defect 3, over the real stack: a page that read a new hire keeps running at Visitor's pace
// while per-user runs (the Engage SCIM path) create the hire and then deprovision them. The page must
// not act on what it read: the fired user stays out of Visitor, with one invitation at most, without
// waiting for another run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkInvariants } from '../../dev/harness/invariants';
import type { RunProgress, SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers, softDelete } from '../support/engage-fixtures';
import { withSyncHarness } from '../support/sync-harness';

test(
  'hire then fire by per-user runs while a page that read the hire is in flight',
  { timeout: 300_000 },
  () =>
    withSyncHarness(
      'user_race',
      async (h) => {
        await addLocations(h.engage.db, ['Lyon']);
        const ids = await addUsers(
          h.engage.db,
          Array.from({ length: 150 }, () => ({})),
        );
        const hire = ids.at(-1)!; // last in the one page: reached long after the per-user runs
        await h.setFaults({ latencyMs: { min: 30, max: 40 } });
        await h.startWorker();
        const id = h.newRunId('initial');
        const handle = await h.startSync({}, id);
        for (let i = 0; i < 300; i++) {
          const p = await handle.query<RunProgress>('progress');
          if ((await h.visitorState()).users.length > 0 && p.phase === 'users') break;
          await sleep(50);
        }
        // The page has read every row of its range, the hire included.
        assert.equal((await h.provisionUser(hire)).outcome, 'created');
        await softDelete(h.engage.db, [hire]);
        assert.equal((await h.provisionUser(hire)).outcome, 'deleted');
        const before = (await h.visitorState()).users.length;
        assert.ok(before < 140, `the page is still under way (${before} users so far)`);

        const r = (await handle.result()) as SyncRunResult;
        assert.equal(r.status, 'completed', r.reason);
        const visitor = await h.visitorState();
        const fired = visitor.users.filter((u) => u.externalId === String(hire));
        assert.deepEqual(
          fired.map((u) => u.active),
          [],
          'the fired user is not back in Visitor',
        );
        assert.equal(visitor.users.length, 149);
        assert.deepEqual(await checkInvariants(h, { invitations: 'send' }), []);
      },
      {
        env: {
          SYNC_PAGE_SIZE: '1000',
          VISITOR_SCIM_CONCURRENCY: '1',
          SYNC_DEPROVISION: 'delete',
          SYNC_DELETE_THRESHOLD_PERCENT: '100',
        },
      },
    ),
);
