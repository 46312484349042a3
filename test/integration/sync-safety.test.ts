// Operator safety: deletions past the threshold wait for approve/reject, an empty Engage deletes
// nothing, a Visitor refusing our token stops the run early, a dry run writes nothing and plans
// exactly what the real run then does, and a worker restarted mid-run finishes with nothing lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedCompany } from '../../dev/engage-generator/seed';
import { checkInvariants } from '../../dev/harness/invariants';
import { STEPS_PER_REQUEST_SLOT } from '../../engine/pool';
import type { RunProgress, SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers, softDelete } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

const writes = (s: { byMethod?: Record<string, number> }) =>
  (s.byMethod?.POST ?? 0) + (s.byMethod?.PATCH ?? 0) + (s.byMethod?.PUT ?? 0) + (s.byMethod?.DELETE ?? 0);

/** Engage with `n` users at one location, synced once into Visitor by a running worker: their ids. */
async function syncedCompany(h: SyncHarness, n: number): Promise<number[]> {
  await addLocations(h.engage.db, ['Rome']);
  const ids = await addUsers(
    h.engage.db,
    Array.from({ length: n }, () => ({})),
  );
  await h.startWorker();
  assert.equal((await h.runSync({ kind: 'initial' })).status, 'completed');
  return ids;
}

async function waitForPhase(h: SyncHarness, workflowId: string, phase: string): Promise<RunProgress> {
  for (let i = 0; i < 200; i++) {
    const p = await h.client.workflow.getHandle(workflowId).query<RunProgress>('progress');
    if (p.phase === phase) return p;
    await sleep(100);
  }
  throw new Error(`run never reached ${phase}`);
}

test('deletions past the budget never block syncing: held for a decision, later runs go on, approve deletes exactly the leavers still gone', async () => {
  const h = await SyncHarness.create('threshold', {
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '10', SYNC_DELETE_THRESHOLD_COUNT: '1000' },
  });
  try {
    const ids = await syncedCompany(h, 10);
    const gone = ids.slice(0, 3);
    await softDelete(h.engage.db, gone);
    await addUsers(h.engage.db, [{}]);

    // The run holds the 3 deletions (30% > 10%) and finishes: nothing waits in it.
    const first = await h.runSync({ kind: 'daily' });
    assert.equal(first.status, 'completed', first.reason);
    assert.equal(first.deletions?.held, 3);
    assert.match(first.reason ?? '', /3 deletions would take 27\.3% of 11 provisioned users/);
    const decisionId = first.deletions?.decisionWorkflowId;
    assert.ok(decisionId, 'the decision has a workflow of its own');
    assert.equal((await h.visitorState()).users.length, 11, 'everything else applied (the new user exists)');

    // The lock is free: the next runs start, create and update, and keep holding the leavers.
    await h.engage.db
      .updateTable('engage.users')
      .set({ given_name: 'Renamed', updated_at: new Date() })
      .where('id', '=', ids[5]!)
      .execute();
    await addUsers(h.engage.db, [{}]);
    const second = await h.runSync({ kind: 'daily', full: true });
    assert.equal(second.status, 'completed', second.reason);
    assert.equal((await h.visitorState()).users.length, 12, 'a later run still creates');
    const decision = h.client.workflow.getHandle(decisionId);
    const desc = await decision.describe();
    assert.equal(desc.status.name, 'RUNNING');
    assert.equal(desc.searchAttributes.EvsRunStatus?.[0], 'awaiting-approval', 'the UI shows what waits');
    assert.equal(second.deletions?.decisionWorkflowId, decisionId, 'one decision for every run');

    // One leaver comes back before the operator answers: approving deletes only the two still gone.
    await h.engage.db
      .updateTable('engage.users')
      .set({ deleted_at: null, updated_at: new Date() })
      .where('id', '=', gone[2]!)
      .execute();
    await decision.executeUpdate('decideDeletions', { args: [{ approve: true, by: 'test' }] });
    const result = (await decision.result()) as { status: string; applied: number; stale: number };
    assert.deepEqual([result.status, result.applied, result.stale], ['approved', 2, 1]);
    const users = (await h.visitorState()).users;
    assert.deepEqual(
      gone.map((g) => users.some((u) => u.externalId === String(g))),
      [false, false, true],
    );
    assert.equal(users.length, 10, 'and nobody else');
  } finally {
    await h.close();
  }
});

test('a pending decision is refused once decided, and rejecting deletes nobody', async () => {
  const h = await SyncHarness.create('reject', {
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '10', SYNC_DELETE_THRESHOLD_COUNT: '1000' },
  });
  try {
    const ids = await syncedCompany(h, 6);
    await softDelete(h.engage.db, ids.slice(0, 2));
    const r = await h.runSync({ kind: 'daily' });
    const decision = h.client.workflow.getHandle(r.deletions!.decisionWorkflowId!);
    await decision.executeUpdate('decideDeletions', { args: [{ approve: false, by: 'test' }] });
    await assert.rejects(
      decision.executeUpdate('decideDeletions', { args: [{ approve: true, by: 'late' }] }),
      (e: Error) => /already rejected by test/.test(String((e as { cause?: Error }).cause?.message)),
    );
    assert.equal(((await decision.result()) as { status: string }).status, 'rejected');
    assert.equal((await h.visitorState()).users.length, 6, 'nobody deleted');
    const row = await h.sync.db.selectFrom('sync.deletion_decisions').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([row.status, row.decided_by], ['rejected', 'test']);
  } finally {
    await h.close();
  }
});

test('per-user runs (Engage SCIM deactivations) share the budget: at most the budget deleted, the rest held', async () => {
  const h = await SyncHarness.create('peruser', {
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '100', SYNC_DELETE_THRESHOLD_COUNT: '3' },
  });
  try {
    const ids = await syncedCompany(h, 12);
    const leavers = ids.slice(0, 8);
    await h.engage.db
      .updateTable('engage.users')
      .set({ active: false, updated_at: new Date() })
      .where('id', 'in', leavers)
      .execute();
    // All at once, as an IdP unassigning a group does.
    const results = await Promise.all(leavers.map((id) => h.provisionUser(id)));
    const outcomes = results.map((r) => r.outcome).sort();
    assert.equal(outcomes.filter((o) => o === 'deactivated' || o === 'deleted').length, 3, outcomes.join());
    assert.equal(outcomes.filter((o) => o === 'held').length, 5, outcomes.join());
    const active = (await h.visitorState()).users.filter((u) => u.active !== false);
    assert.equal(active.length, 12 - 3, 'only the budget went');
    const d = await h.sync.db.selectFrom('sync.deletion_decisions').selectAll().execute();
    assert.equal(d.length, 1, 'one decision');
    const held = await h.sync.db.selectFrom('sync.held_deletions').select('engage_user_id').execute();
    assert.equal(held.length, 5);
  } finally {
    await h.close();
  }
});

test('an empty Engage database never deletes Visitor users', async () => {
  const h = await SyncHarness.create('empty', {
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '100', SYNC_DELETE_THRESHOLD_COUNT: '100000' },
  });
  try {
    await addLocations(h.engage.db, ['Oslo']);
    await addUsers(h.engage.db, [{}, {}, {}]);
    await h.startWorker();
    assert.equal((await h.runSync({ kind: 'initial' })).status, 'completed');
    await h.engage.db.deleteFrom('engage.users').execute();
    const r = await h.runSync({ kind: 'daily' });
    assert.equal(r.deletions?.applied, 0);
    assert.match(r.reason ?? '', /Engage returned no active users/);
    assert.equal((await h.visitorState()).users.length, 3);
  } finally {
    await h.close();
  }
});

test('Visitor answering 401 stops the run early with that reason', async () => {
  const h = await SyncHarness.create('unauthorized', { env: { VISITOR_SCIM_TOKEN: 'wrong-token' } });
  try {
    await addLocations(h.engage.db, ['Oslo']);
    await addUsers(h.engage.db, [{}, {}]);
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial' });
    assert.equal(r.status, 'failed');
    assert.match(r.reason ?? '', /VisitorAuthError.*401/);
    const run = await h.sync.db
      .selectFrom('sync.runs')
      .select(['status', 'reason'])
      .where('id', '=', r.runId)
      .executeTakeFirstOrThrow();
    assert.equal(run.status, 'failed');
  } finally {
    await h.close();
  }
});

test('a dry run writes nothing to Visitor and plans exactly what the real run then does', async () => {
  const h = await SyncHarness.create('dryrun');
  try {
    await seedCompany(h.engage.db, { users: 60, locations: 3, seed: 'dry' });
    await h.startWorker();
    const before = writes(await h.visitorStats());
    const dry = await h.runSync({ kind: 'initial', dryRun: true });
    assert.equal(dry.status, 'completed', dry.reason);
    assert.equal(writes(await h.visitorStats()), before, 'zero writes');
    assert.equal(
      (await h.sync.db.selectFrom('sync.users').select('engage_user_id').execute()).length,
      0,
      'no state either',
    );
    const real = await h.runSync({ kind: 'initial' });
    const actions = async (runId: string, outcome: string | null) =>
      (
        await h.sync.db
          .selectFrom('sync.log')
          .select(['engage_id', 'action'])
          .where('run_id', '=', runId)
          .where('object_type', '=', 'user')
          .$if(outcome !== null, (q) => q.where('outcome', '=', outcome!))
          .orderBy('engage_id')
          .execute()
      ).map((r) => `${r.engage_id}:${r.action === 'validate' ? 'fail' : r.action}`);
    assert.deepEqual(await actions(dry.runId, 'planned'), await actions(real.runId, null));
    assert.equal(dry.counts.created, real.counts.created);
  } finally {
    await h.close();
  }
});

test('progress moves while a run is under way, and a worker restarted mid-run finishes with nothing lost', async () => {
  const h = await SyncHarness.create('restart', {
    env: { SYNC_PAGE_SIZE: '20', VISITOR_SCIM_CONCURRENCY: '2' },
  });
  try {
    await seedCompany(h.engage.db, { users: 300, locations: 4, seed: 'restart' });
    await h.setFaults({ latencyMs: { min: 5, max: 15 } });
    await h.startWorker();
    const id = h.newRunId('initial');
    const handle = await h.startSync({}, id);
    const p1 = await waitForPhase(h, id, 'users');
    let p2 = p1;
    for (let i = 0; i < 100 && p2.usersProcessed <= p1.usersProcessed; i++) {
      await sleep(100);
      p2 = await handle.query<RunProgress>('progress');
    }
    assert.ok(p2.usersProcessed > p1.usersProcessed, 'progress query moves');
    assert.ok(p2.pagesTotal >= 15);
    await h.stopWorker(); // mid-run
    const halfway = (await h.visitorState()).users.length;
    assert.ok(halfway > 0 && halfway < 290, `stopped mid-run (${halfway} users so far)`);
    await h.startWorker();
    const r = (await handle.result()) as SyncRunResult;
    assert.equal(r.status, 'completed', r.reason);
    assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true, invitations: 'send' }), []);
  } finally {
    await h.close();
  }
});

test('a run that did not complete is named on the next run (memo), so the schedule shows it', async () => {
  const h = await SyncHarness.create('previous');
  try {
    await addLocations(h.engage.db, ['Oslo']);
    await addUsers(h.engage.db, [{}, {}]);
    await h.startWorker();
    const id = h.newRunId('initial');
    const handle = await h.startSync({}, id);
    await handle.signal('stop', { by: 'test', reason: 'maintenance window' });
    const stopped = (await handle.result()) as SyncRunResult;
    assert.equal(stopped.status, 'stopped');
    const nextId = h.newRunId('daily');
    const next = await h.runSync({ kind: 'daily' }, nextId);
    assert.equal(next.status, 'completed');
    const memo = (await h.client.workflow.getHandle(nextId).describe()).memo;
    assert.match(String(memo?.previousRun), new RegExp(`${id} stopped: stopped by test: maintenance window`));
  } finally {
    await h.close();
  }
});

test('a Visitor refusing most user writes stops the run inside its first page, not after it', async () => {
  // One page holds every user: only the page itself can stop before writing all of them.
  const h = await SyncHarness.create('refusing', { env: { SYNC_PAGE_SIZE: '1000' } });
  try {
    await seedCompany(h.engage.db, { users: 700, locations: 2, seed: 'refusing' });
    await h.setFaults({ errorRate: 1, errorStatuses: [400], routes: ['POST /Users'] });
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial' }, h.newRunId('initial'));
    assert.equal(r.status, 'failed');
    assert.match(r.reason ?? '', /stopped early: Visitor refused \d+ of \d+ user writes/);
    const refused = r.counts.writeFailures ?? 0;
    // The guard needs 200 writes; at most one more per user in flight may finish after it.
    const inFlight = h.config.visitor.concurrency * STEPS_PER_REQUEST_SLOT;
    assert.ok(refused >= 200 && refused <= 200 + inFlight, `refused writes: ${refused}`);
    assert.equal((await h.visitorState()).users.length, 0);
  } finally {
    await h.close();
  }
});
