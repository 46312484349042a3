// Stopping and cancelling a run over the real stack (issue 14 #8, #5): `stop` cancels the pages in
// flight, which stop at their next user instead of working through their range; a run cancelled from
// the Temporal UI records its end, frees the lock and hands its held invitations over.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedCompany } from '../../dev/engage-generator/seed';
import { invitationsWorkflowId } from '../../workflows/ids';
import type { SyncRunResult } from '../../workflows/types';
import { SyncHarness } from '../support/sync-harness';

test('stop cancels the pages in flight: they stop at their next user, not at the end of their range', async () => {
  const h = await SyncHarness.create('stop_pages', {
    env: { SYNC_PAGE_SIZE: '100', VISITOR_SCIM_CONCURRENCY: '2' },
  });
  try {
    await seedCompany(h.engage.db, { users: 400, locations: 2, seed: 'stop' });
    // Slow creates: the four pages in flight (400 users) would take a minute to work through.
    await h.setFaults({ latencyMs: { min: 300, max: 300 }, routes: ['POST /Users'] });
    await h.startWorker();
    const id = h.newRunId('initial');
    const handle = await h.startSync({}, id);
    await h.waitForVisitorUsers(5);
    await handle.signal('stop', { by: 'test', reason: 'maintenance' });
    const r = (await handle.result()) as SyncRunResult;
    assert.equal(r.status, 'stopped');
    assert.match(r.reason ?? '', /stopped by test: maintenance/);
    const created = (await h.visitorState()).users.length;
    assert.ok(created < 200, `the pages stopped early (${created} of the 400 in flight were created)`);
    await sleep(1500);
    assert.equal(
      (await h.visitorState()).users.length,
      created,
      'nothing is still writing after the run ended',
    );
    const desc = await handle.describe();
    assert.equal(desc.raw.pendingActivities?.length ?? 0, 0);
    const run = await h.sync.db
      .selectFrom('sync.runs')
      .select('status')
      .where('id', '=', r.runId)
      .executeTakeFirstOrThrow();
    assert.equal(run.status, 'stopped');
  } finally {
    await h.close();
  }
});

test('a run cancelled from the UI records its end, frees the lock and hands its held invitations over', async () => {
  const h = await SyncHarness.create('ui_cancel', {
    env: { SYNC_PAGE_SIZE: '50', VISITOR_SCIM_CONCURRENCY: '2' },
  });
  try {
    await seedCompany(h.engage.db, { users: 200, locations: 2, seed: 'cancel' });
    await h.setFaults({ latencyMs: { min: 100, max: 100 }, routes: ['POST /Users'] });
    await h.startWorker();
    const id = h.newRunId('initial');
    const handle = await h.startSync({ invitations: { mode: 'delay', delayMs: 3_600_000 } }, id);
    await h.waitForVisitorUsers(10);
    await handle.cancel();
    await assert.rejects(handle.result(), /cancel/i);
    const run = await h.sync.db
      .selectFrom('sync.runs')
      .select(['status', 'reason', 'finished_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(run.status, 'cancelled');
    assert.ok(run.finished_at, 'its end is recorded');
    const pending = await h.sync.db
      .selectFrom('sync.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(Number(pending.n) > 0, 'users were created in delay mode');
    const inv = await h.client.workflow.getHandle(invitationsWorkflowId(id)).describe();
    assert.equal(inv.status.name, 'RUNNING', 'the invitations workflow holds them');
    await h.setFaults({});
    const next = await h.runSync({ kind: 'daily' });
    assert.equal(next.status, 'completed', 'the lock was freed');
  } finally {
    await h.close();
  }
});
