// A state and its log entry commit together (issue 14, defect 11), what a run recorded (its pages,
// each user's newest entry, its held deletions), and per-user leases (defect 3), over PostgreSQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { userEntry } from '../../engine/log-entries';
import type { LogEntry } from '../../engine/ports';
import { syncDatabase, userState } from './fixtures';

const { db, store } = syncDatabase('run_record');

const logOf = (runId: string) =>
  db().selectFrom('sync.log').selectAll().where('run_id', '=', runId).orderBy('id').execute();

describe('a state saved with its log entry', () => {
  it('commits both, side by side with other saves in one statement', async () => {
    await Promise.all(
      [1, 2, 3].map((id) =>
        store().saveUser(userState(id), 'run-a', {
          log: userEntry('run-a', id, 'create', 'created', { detail: { invitation: 'sent', invited: true } }),
        }),
      ),
    );
    await store().saveUser(userState(4), 'run-a');
    const log = await logOf('run-a');
    assert.deepEqual(log.map((l) => l.engage_id).sort(), [1, 2, 3]);
    assert.deepEqual(log[0]!.detail, { invitation: 'sent', invited: true });
    assert.equal((await store().usersByIds([1, 2, 3, 4])).size, 4);
  });

  it('commits neither when the entry cannot be written', async () => {
    const bad = { ...userEntry('run-b', 10, 'update', 'updated'), action: null } as unknown as LogEntry;
    await assert.rejects(store().saveUser(userState(10), 'run-b', { log: bad }));
    assert.equal((await store().usersByIds([10])).size, 0, 'no state without its entry');
    assert.equal((await logOf('run-b')).length, 0);
  });
});

describe('runRecord', () => {
  it('sums the pages, counts each user once by its newest entry, and the held deletions', async () => {
    const run = 'run-c';
    assert.equal((await store().runRecord(run)).processed, null, 'no page recorded yet');
    await store().recordPage(run, null, 40);
    await store().recordPage(run, 100, 7);
    await store().recordPage(run, 100, 50); // a later attempt of the same page replaces the figure
    await store().log([
      userEntry(run, 20, 'write', 'failed'),
      userEntry(run, 20, 'update', 'updated'), // retried later: counts as updated only
      userEntry(run, 21, 'update', 'updated'),
      userEntry(run, 22, 'invite', 'invited'), // a delayed invitation is not the user's outcome
      userEntry(run, 23, 'deactivate', 'deactivated'),
      userEntry('other', 24, 'update', 'updated'),
    ]);
    for (const id of [23, 25])
      await store().addPendingDeletion({
        runId: run,
        engageUserId: id,
        visitorUserId: `v-${id}`,
        mode: 'deactivate',
        reason: 'left',
      });
    const r = await store().runRecord(run);
    assert.equal(r.processed, 90);
    assert.deepEqual(r.outcomes.map((o) => `${o.action}/${o.outcome}:${o.n}`).sort(), [
      'deactivate/deactivated:1',
      'update/updated:2',
    ]);
    assert.equal(r.heldDeletions, 2);
    assert.equal(r.heldNotLogged, 1);
  });
});

describe('user leases', () => {
  it('one holder at a time; the holder extends it; released or expired, another takes it', async () => {
    await store().saveUser(userState(30), 'run-d');
    const [state] = (await store().usersByIds([30])).values();
    const a = await store().takeUserLease(30, 'page-1', 60_000);
    assert.deepEqual(a, { taken: true, version: state!.version });
    assert.equal((await store().takeUserLease(30, 'user-run', 60_000)).taken, false);
    assert.equal((await store().takeUserLease(30, 'page-1', 60_000)).taken, true, 'extended');
    await store().releaseUserLease(30, 'user-run'); // not its lease: nothing happens
    assert.equal((await store().takeUserLease(30, 'user-run', 60_000)).taken, false);
    await store().releaseUserLease(30, 'page-1');
    assert.equal((await store().takeUserLease(30, 'user-run', 1)).taken, true);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal((await store().takeUserLease(30, 'page-2', 60_000)).taken, true, 'expired: taken over');
  });

  it('answers the version of the state row: any save changes it, even to the same content', async () => {
    const before = await store().takeUserLease(31, 'h', 60_000);
    assert.deepEqual(before, { taken: true, version: null }, 'no state row yet');
    await store().saveUser(userState(31), 'run-e');
    const v1 = (await store().takeUserLease(31, 'h', 60_000)).version;
    await store().saveUser(userState(31), 'run-e');
    const v2 = (await store().takeUserLease(31, 'h', 60_000)).version;
    assert.ok(v1 && v2 && v1 !== v2, `${v1} → ${v2}`);
  });
});
