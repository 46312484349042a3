// engine/runs.ts: the one-bulk-run lock, full reconciles every N days, the final record, page bounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BeginRunInput, beginRun, finishRun, partitionUsers } from '../../engine/runs';
import { openDailyRun } from './builders';
import { engageUser, type FakeWorld, fakeWorld } from './fakes';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const begin = (runId: string, o: Partial<BeginRunInput> = {}): BeginRunInput => ({
  runId,
  kind: 'daily',
  startedBy: 'schedule',
  dryRun: false,
  workflowId: `wf-${runId}`,
  invitations: null,
  full: false,
  ...o,
});

/** A bulk run that started now and completed (an initial sync counts as a full reconcile). */
async function completedRun(w: FakeWorld, runId: string, kind: 'initial' | 'daily', full = false) {
  assert.equal((await beginRun(w.engine, begin(runId, { kind, full }))).status, 'started');
  await finishRun(w.engine, { runId, status: 'completed', counts: {}, reason: null });
}

describe('beginRun: the bulk-run lock', () => {
  it('takes the lock and answers the deployment invitation policy by default', async () => {
    const w = fakeWorld({ settings: { invitations: { mode: 'delay', delayMs: 5000 } } });
    const r = await beginRun(w.engine, begin('r1', { kind: 'initial', full: null }));
    assert.deepEqual(r, { status: 'started', invitations: { mode: 'delay', delayMs: 5000 }, full: false });
    const row = w.store.runs.get('r1')!;
    assert.equal(row.status, 'running');
    assert.equal(row.kind, 'initial');
    assert.equal(row.workflowId, 'wf-r1');
    assert.equal(row.full, false);
    assert.deepEqual((await w.store.activeBulkRun())?.id, 'r1');
  });

  it('an explicit invitation policy wins', async () => {
    const w = fakeWorld();
    const r = await beginRun(w.engine, begin('r1', { invitations: { mode: 'disabled' } }));
    assert.equal(r.status, 'started');
    assert.deepEqual(r.status === 'started' && r.invitations, { mode: 'disabled' });
  });

  it('is idempotent for the same run id (a retried activity)', async () => {
    const w = fakeWorld();
    assert.equal((await beginRun(w.engine, begin('r1'))).status, 'started');
    assert.equal((await beginRun(w.engine, begin('r1'))).status, 'started');
    assert.equal(w.store.runs.size, 1);
  });

  it('refuses a second bulk run while one holds the lock (no workflow probe)', async () => {
    const w = fakeWorld();
    await beginRun(w.engine, begin('r1'));
    assert.deepEqual(await beginRun(w.engine, begin('r2', { kind: 'initial' })), {
      status: 'refused',
      activeRunId: 'r1',
    });
    assert.equal(w.store.runs.has('r2'), false);
    assert.equal(w.store.runs.get('r1')!.status, 'running');
  });

  it('frees the lock of a run whose workflow no longer runs, then starts', async () => {
    const asked: string[] = [];
    const w = fakeWorld({
      workflowIsRunning: async (id) => {
        asked.push(id);
        return false;
      },
    });
    await beginRun(w.engine, begin('r1'));
    const r = await beginRun(w.engine, begin('r2'));
    assert.equal(r.status, 'started');
    assert.deepEqual(asked, ['wf-r1']);
    const old = w.store.runs.get('r1')!;
    assert.equal(old.status, 'abandoned');
    assert.equal(old.reason, 'its workflow is no longer running');
    assert.ok(old.finishedAt, 'the abandoned run is finished');
    assert.equal(w.store.runs.get('r2')!.status, 'running');
  });

  it('keeps the lock when the workflow still runs', async () => {
    const w = fakeWorld({ workflowIsRunning: async () => true });
    await beginRun(w.engine, begin('r1'));
    assert.deepEqual(await beginRun(w.engine, begin('r2')), { status: 'refused', activeRunId: 'r1' });
    assert.equal(w.store.runs.get('r1')!.status, 'running');
  });

  it('keeps the lock when the probe fails: the error is not a "not running"', async () => {
    const w = fakeWorld({
      workflowIsRunning: async () => {
        throw new Error('Temporal unavailable');
      },
    });
    await beginRun(w.engine, begin('r1'));
    await assert.rejects(beginRun(w.engine, begin('r2')), /Temporal unavailable/);
    assert.equal(w.store.runs.get('r1')!.status, 'running');
    assert.equal(w.store.runs.has('r2'), false);
  });

  it('gives up after freeing two stale locks in a row', async () => {
    // Each time a lock is freed, another dead run has taken it: the begin is refused, not looped.
    let n = 0;
    const w = fakeWorld({
      workflowIsRunning: async () => {
        n++;
        await openDailyRun(w, `zombie-${n}`, `wf-z${n}`);
        return false;
      },
    });
    await beginRun(w.engine, begin('r1'));
    const r = await beginRun(w.engine, begin('r2'));
    assert.equal(r.status, 'refused');
    assert.equal(n, 2);
    assert.equal(r.status === 'refused' && r.activeRunId, 'zombie-2');
  });

  it('tries twice at most: a second stale lock freed, it still refuses (the next schedule starts)', async () => {
    let n = 0;
    const w = fakeWorld({
      workflowIsRunning: async () => {
        if (++n === 1) await openDailyRun(w, 'zombie', 'wf-z');
        return false;
      },
    });
    await beginRun(w.engine, begin('r1'));
    const r = await beginRun(w.engine, begin('r2'));
    assert.equal(r.status, 'refused');
    assert.equal(n, 2);
    assert.equal(w.store.runs.get('zombie')!.status, 'abandoned');
    assert.equal(w.store.runs.has('r2'), false);
  });

  it('a dry run takes no lock: it runs beside a real one and blocks none', async () => {
    const w = fakeWorld();
    await beginRun(w.engine, begin('r1'));
    const dry = await beginRun(w.engine, begin('dry', { dryRun: true, kind: 'initial' }));
    assert.equal(dry.status, 'started');
    const row = w.store.runs.get('dry')!;
    assert.equal(row.kind, 'initial-dry-run');
    assert.equal(row.dryRun, true);
    await finishRun(w.engine, { runId: 'r1', status: 'completed', counts: {}, reason: null });
    await beginRun(w.engine, begin('dry2', { dryRun: true }));
    assert.equal((await beginRun(w.engine, begin('r2'))).status, 'started', 'the dry run holds nothing');
  });
});

describe('beginRun: full reconcile every N days', () => {
  it('a daily run with no full reconcile before is full', async () => {
    const w = fakeWorld();
    const r = await beginRun(w.engine, begin('r1', { full: null }));
    assert.equal(r.status === 'started' && r.full, true);
    assert.equal(w.store.runs.get('r1')!.full, true, 'recorded on the run');
  });

  it('an initial sync is never full, and counts as the last full reconcile', async () => {
    const w = fakeWorld();
    const init = await beginRun(w.engine, begin('init', { kind: 'initial', full: null }));
    assert.equal(init.status === 'started' && init.full, false);
    await finishRun(w.engine, { runId: 'init', status: 'completed', counts: {}, reason: null });
    w.clock.advance(DAY);
    const r = await beginRun(w.engine, begin('r1', { full: null }));
    assert.equal(r.status === 'started' && r.full, false);
  });

  it('is due N days (less an hour of slack) after the last completed full one', async () => {
    const w = fakeWorld(); // fullReconcileEveryDays: 7
    await completedRun(w, 'init', 'initial');
    w.clock.advance(7 * DAY - HOUR - 1);
    const early = await beginRun(w.engine, begin('r1', { full: null }));
    assert.equal(early.status === 'started' && early.full, false);
    await finishRun(w.engine, { runId: 'r1', status: 'completed', counts: {}, reason: null });
    w.clock.advance(1);
    const due = await beginRun(w.engine, begin('r2', { full: null }));
    assert.equal(due.status === 'started' && due.full, true);
  });

  it('counts from the last full run that completed, not from one that failed', async () => {
    const w = fakeWorld();
    await completedRun(w, 'init', 'initial');
    w.clock.advance(7 * DAY);
    assert.equal((await beginRun(w.engine, begin('full1', { full: null }))).status, 'started');
    assert.equal(w.store.runs.get('full1')!.full, true);
    await finishRun(w.engine, { runId: 'full1', status: 'failed', counts: {}, reason: 'x' });
    w.clock.advance(DAY);
    const next = await beginRun(w.engine, begin('r2', { full: null }));
    assert.equal(next.status === 'started' && next.full, true, 'the failed full run does not count');
    await finishRun(w.engine, { runId: 'r2', status: 'completed', counts: {}, reason: null });
    w.clock.advance(DAY);
    const after = await beginRun(w.engine, begin('r3', { full: null }));
    assert.equal(after.status === 'started' && after.full, false);
  });

  it('never when fullReconcileEveryDays is 0', async () => {
    const w = fakeWorld({ settings: { fullReconcileEveryDays: 0 } });
    const r = await beginRun(w.engine, begin('r1', { full: null }));
    assert.equal(r.status === 'started' && r.full, false);
    assert.equal(w.store.runs.get('r1')!.full, false);
  });

  it('an explicit full wins either way', async () => {
    const w = fakeWorld();
    const no = await beginRun(w.engine, begin('r1', { full: false }));
    assert.equal(no.status === 'started' && no.full, false, 'due, but the caller said no');
    assert.equal(w.store.runs.get('r1')!.full, false);
    await finishRun(w.engine, { runId: 'r1', status: 'completed', counts: {}, reason: null });
    const w0 = fakeWorld({ settings: { fullReconcileEveryDays: 0 } });
    const yes = await beginRun(w0.engine, begin('r2', { full: true }));
    assert.equal(yes.status === 'started' && yes.full, true);
    assert.equal(w0.store.runs.get('r2')!.full, true);
  });
});

describe('beginRun: the previous run', () => {
  it('reports the previous bulk run when it did not complete', async () => {
    const w = fakeWorld();
    await beginRun(w.engine, begin('r1'));
    await finishRun(w.engine, { runId: 'r1', status: 'failed', counts: {}, reason: 'Visitor down' });
    w.clock.advance(DAY);
    const r = await beginRun(w.engine, begin('r2'));
    assert.deepEqual(r.status === 'started' && r.previous, {
      runId: 'r1',
      status: 'failed',
      reason: 'Visitor down',
    });
  });

  it('says nothing of a previous run that completed', async () => {
    const w = fakeWorld();
    await completedRun(w, 'r1', 'daily');
    w.clock.advance(DAY);
    const r = await beginRun(w.engine, begin('r2'));
    assert.equal(r.status, 'started');
    assert.equal('previous' in r, false);
  });
});

describe('finishRun', () => {
  it('records status, counts and reason, and the run duration in metrics', async () => {
    const w = fakeWorld();
    await beginRun(w.engine, begin('r1', { kind: 'initial' }));
    w.clock.advance(90_000);
    await finishRun(w.engine, { runId: 'r1', status: 'stopped', counts: { created: 3 }, reason: 'why' });
    const row = w.store.runs.get('r1')!;
    assert.equal(row.status, 'stopped');
    assert.deepEqual(row.counts, { created: 3 });
    assert.equal(row.reason, 'why');
    assert.equal(row.finishedAt?.getTime(), w.clock.now());
    assert.deepEqual(w.metrics.runs, [['initial', 'stopped', 90_000]]);
    assert.equal(await w.store.activeBulkRun(), undefined, 'the lock is released');
  });

  it('records no duration for a run it does not know', async () => {
    const w = fakeWorld();
    await finishRun(w.engine, { runId: 'nope', status: 'completed', counts: {}, reason: null });
    assert.deepEqual(w.metrics.runs, []);
  });
});

describe('partitionUsers', () => {
  it('cuts pages of the configured size by default, deleted users included', async () => {
    const w = fakeWorld({ settings: { pageSize: 2 } });
    w.engage.add(
      engageUser(10),
      engageUser(20, { deletedAt: new Date() }),
      engageUser(30),
      engageUser(40),
      engageUser(50),
    );
    assert.deepEqual(await partitionUsers(w.engine, { pageSize: null }), { boundaries: [20, 40] });
    assert.deepEqual(await partitionUsers(w.engine, { pageSize: 3 }), { boundaries: [30] });
  });
});
