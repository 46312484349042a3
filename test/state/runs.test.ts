// Runs: the one-bulk-run lock, runs that take no lock, status updates, and the queries that decide
// a run's shape (the previous bulk run, the last full reconcile).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRow } from '../../engine/ports';
import { syncDatabase } from './fixtures';

const run = (id: string, kind: string, over: Partial<RunRow> = {}): RunRow => ({
  id,
  kind,
  workflowId: `wf-${id}`,
  startedBy: 'test',
  dryRun: false,
  ...over,
});

describe('the bulk-run lock', () => {
  const { db, store } = syncDatabase('runs_lock');

  it('admits one bulk run; a second is refused with the holder’s ids; the same run again is fine', async () => {
    assert.equal(await store().activeBulkRun(), undefined);
    assert.deepEqual(await store().beginRun(run('daily-1', 'daily', { startedBy: 'schedule' })), {
      ok: true,
    });
    assert.deepEqual(await store().beginRun(run('initial-2', 'initial')), {
      ok: false,
      activeRunId: 'daily-1',
      activeWorkflowId: 'wf-daily-1',
    });
    assert.deepEqual(await store().beginRun(run('daily-3', 'daily')), {
      ok: false,
      activeRunId: 'daily-1',
      activeWorkflowId: 'wf-daily-1',
    });
    assert.deepEqual(await store().beginRun(run('daily-1', 'daily')), { ok: true }, 'a retried begin');
    const rows = await db().selectFrom('sync.runs').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'running');
    assert.equal(rows[0]!.started_by, 'schedule');
    assert.equal(rows[0]!.dry_run, false);
    assert.equal(rows[0]!.full, false);
    assert.equal((await store().activeBulkRun())?.id, 'daily-1');
  });

  it('is held while the run awaits approval, and freed when it finishes', async () => {
    await store().setRunStatus('daily-1', 'awaiting-approval', { reason: 'too many deletions' });
    assert.equal((await store().beginRun(run('daily-4', 'daily'))).ok, false);
    await store().setRunStatus('daily-1', 'completed', { finished: true });
    assert.equal(await store().activeBulkRun(), undefined);
    assert.deepEqual(await store().beginRun(run('daily-4', 'daily')), { ok: true });
    assert.equal((await store().activeBulkRun())?.workflow_id, 'wf-daily-4');
    // A finished run begun again (a very late retry) is left as it is and takes nothing.
    assert.deepEqual(await store().beginRun(run('daily-1', 'daily')), { ok: true });
    const r = await store().runKindAndStart('daily-1');
    assert.equal(r?.kind, 'daily');
    const status = await db().selectFrom('sync.runs').select('status').where('id', '=', 'daily-1').execute();
    assert.deepEqual(status, [{ status: 'completed' }]);
  });

  it('lets dry runs and per-user runs open beside the bulk run, idempotently', async () => {
    await store().openRun(run('dry-5', 'daily-dry-run', { dryRun: true }));
    await store().openRun(run('user-6@1', 'user', { workflowId: 'user-6', startedBy: 'provision-user' }));
    await store().openRun(run('user-7@1', 'user-dry-run', { workflowId: 'user-7', dryRun: true }));
    await store().setRunStatus('user-6@1', 'completed', { counts: { created: 1 }, finished: true });
    // Opened again (a retried activity): the recorded run is left as it is.
    await store().openRun(run('user-6@1', 'user', { workflowId: 'other', startedBy: 'other' }));
    const rows = await db()
      .selectFrom('sync.runs')
      .select(['id', 'kind', 'status', 'workflow_id', 'started_by', 'dry_run'])
      .where('id', 'in', ['dry-5', 'user-6@1', 'user-7@1'])
      .orderBy('id')
      .execute();
    assert.deepEqual(rows, [
      {
        id: 'dry-5',
        kind: 'daily-dry-run',
        status: 'running',
        workflow_id: 'wf-dry-5',
        started_by: 'test',
        dry_run: true,
      },
      {
        id: 'user-6@1',
        kind: 'user',
        status: 'completed',
        workflow_id: 'user-6',
        started_by: 'provision-user',
        dry_run: false,
      },
      {
        id: 'user-7@1',
        kind: 'user-dry-run',
        status: 'running',
        workflow_id: 'user-7',
        started_by: 'test',
        dry_run: true,
      },
    ]);
    assert.equal((await store().activeBulkRun())?.id, 'daily-4', 'the lock is the bulk run’s still');
  });

  it('refuses to open a bulk run without the lock', async () => {
    await assert.rejects(store().openRun(run('sneaky', 'daily')), /beginRun/);
    await assert.rejects(store().openRun(run('sneaky', 'initial', { dryRun: true })), /beginRun/);
    assert.equal(await store().runKindAndStart('sneaky'), undefined);
  });
});

describe('run records', () => {
  const { db, store } = syncDatabase('runs_records');

  const row = (id: string) =>
    db().selectFrom('sync.runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('marks a run full', async () => {
    await store().beginRun(run('d1', 'daily'));
    await store().markRunFull('d1');
    await store().markRunFull('d1');
    assert.equal((await row('d1')).full, true);
  });

  it('sets the status, the counts and reason only when given, the finish time when finished', async () => {
    await store().setRunStatus('d1', 'awaiting-approval', { reason: 'held' });
    let r = await row('d1');
    assert.equal(r.status, 'awaiting-approval');
    assert.equal(r.reason, 'held');
    assert.deepEqual(r.counts, {});
    assert.equal(r.finished_at, null);
    await store().setRunStatus('d1', 'running');
    r = await row('d1');
    assert.equal(r.reason, 'held', 'a reason not given is kept');
    await store().setRunStatus('d1', 'completed', {
      counts: { created: 2, unchanged: 5 },
      reason: null,
      finished: true,
    });
    r = await row('d1');
    assert.equal(r.status, 'completed');
    assert.equal(r.reason, null);
    assert.deepEqual(r.counts, { created: 2, unchanged: 5 });
    assert.ok(r.finished_at instanceof Date);
    await store().setRunStatus('nope', 'completed'); // no such run: nothing happens
  });

  it('gives a run’s kind and start time', async () => {
    const started = (await row('d1')).started_at;
    assert.deepEqual(await store().runKindAndStart('d1'), { kind: 'daily', startedAt: started });
    assert.equal(await store().runKindAndStart('missing'), undefined);
  });
});

describe('previousBulkRun and lastFullReconcileAt', () => {
  const { db, store } = syncDatabase('runs_history');

  const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute));
  /** A run as it was recorded at `minute`, finished with `status` (or still going). */
  const past = async (
    id: string,
    kind: string,
    minute: number,
    status: string,
    opts: { full?: boolean; finished?: boolean; reason?: string } = {},
  ) => {
    if (kind === 'initial' || kind === 'daily') assert.ok((await store().beginRun(run(id, kind))).ok);
    else await store().openRun(run(id, kind, { dryRun: kind.endsWith('dry-run') }));
    if (opts.full) await store().markRunFull(id);
    await store().setRunStatus(id, status, {
      reason: opts.reason ?? null,
      finished: opts.finished ?? true,
    });
    await db()
      .updateTable('sync.runs')
      .set({ started_at: at(minute) })
      .where('id', '=', id)
      .execute();
  };

  it('know no runs on a fresh database', async () => {
    assert.equal(await store().previousBulkRun('x'), undefined);
    assert.equal(await store().lastFullReconcileAt(), null);
  });

  it('previousBulkRun: the bulk run started last among the finished ones, other than this one', async () => {
    await past('initial-a', 'initial', 0, 'completed');
    assert.deepEqual(await store().previousBulkRun('daily-now'), {
      id: 'initial-a',
      status: 'completed',
      reason: null,
    });
    assert.equal(await store().previousBulkRun('initial-a'), undefined, 'not the run itself');
    await past('daily-b', 'daily', 10, 'failed', { reason: 'Visitor refused most writes' });
    await past('daily-dry', 'daily-dry-run', 20, 'completed');
    await past('user-c', 'user', 30, 'completed');
    assert.deepEqual(await store().previousBulkRun('daily-now'), {
      id: 'daily-b',
      status: 'failed',
      reason: 'Visitor refused most writes',
    });
    // A run that did not finish is not a previous run (it may be this one's neighbour still going).
    await past('daily-d', 'daily', 40, 'stopped', { finished: false });
    assert.equal((await store().previousBulkRun('daily-now'))?.id, 'daily-b');
    assert.equal((await store().previousBulkRun('daily-b'))?.id, 'initial-a');
  });

  it('lastFullReconcileAt: when the last completed full reconcile or initial sync started', async () => {
    // Fresh ids, later minutes: the history above is there too (an initial sync at minute 0).
    assert.deepEqual(await store().lastFullReconcileAt(), at(0), 'an initial sync counts');
    await past('daily-e', 'daily', 50, 'completed'); // not full
    await past('daily-f', 'daily', 51, 'failed', { full: true }); // full, not completed
    await past('daily-g', 'daily', 52, 'completed', { full: true });
    await past('daily-h', 'daily', 53, 'stopped', { full: true });
    assert.deepEqual(await store().lastFullReconcileAt(), at(52));
    await past('initial-i', 'initial', 54, 'failed');
    assert.deepEqual(await store().lastFullReconcileAt(), at(52), 'a failed initial sync does not count');
    await past('initial-j', 'initial', 55, 'completed');
    assert.deepEqual(await store().lastFullReconcileAt(), at(55));
  });
});
