// Run bookkeeping: the one-bulk-run-at-a-time lock, partitioning users into pages, deletions held to
// the end of a run (and their safety threshold), and the final record.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { sql } from 'kysely';
import { addCounts } from '../../domain/run-math';
import type { Counts, InvitationPolicy, RunStatus } from '../../domain/run-types';
import type { SyncDeps } from './deps';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import { deprovision } from './process-user';
import type { LogEntry } from './state-store';

export async function beginRunActivity(
  deps: SyncDeps,
  input: {
    runId: string;
    kind: 'initial' | 'daily';
    startedBy: string;
    dryRun: boolean;
    workflowId: string;
    invitations: InvitationPolicy | null;
    full: boolean | null;
  },
): Promise<
  | {
      status: 'started';
      invitations: InvitationPolicy;
      full: boolean;
      /** The previous bulk run, when it did not complete: the operator sees it on this run too. */
      previous?: { runId: string; status: string; reason: string | null };
    }
  | { status: 'refused'; activeRunId: string }
> {
  const invitations = input.invitations ?? deps.settings.invitations;
  const full = input.full ?? (input.kind === 'daily' && (await fullReconcileDue(deps)));
  const row = {
    id: input.runId,
    kind: input.kind,
    workflowId: input.workflowId,
    startedBy: input.startedBy,
    dryRun: input.dryRun,
  };
  // A dry run writes nothing to Visitor, so it may run beside a real one.
  if (input.dryRun) {
    await deps.store.db
      .insertInto('sync.runs')
      .values({
        id: row.id,
        kind: `${row.kind}-dry-run`,
        status: 'running',
        workflow_id: row.workflowId,
        started_by: row.startedBy,
        dry_run: true,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return { status: 'started', invitations, full };
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = await deps.store.beginRun(row);
    if (res.ok || res.activeRunId === input.runId) {
      if (full)
        await deps.store.db
          .updateTable('sync.runs')
          .set({ full: true })
          .where('id', '=', input.runId)
          .execute();
      const previous = await previousUnsuccessfulRun(deps, input.runId);
      return { status: 'started', invitations, full, ...(previous ? { previous } : {}) };
    }
    // The holder may be a run that was terminated without finishing: free its lock if Temporal says so.
    if (!deps.temporal || (await workflowIsRunning(deps, res.activeWorkflowId)))
      return { status: 'refused', activeRunId: res.activeRunId };
    await deps.store.setRunStatus(res.activeRunId, 'abandoned', {
      reason: 'its workflow is no longer running',
      finished: true,
    });
  }
  const active = await deps.store.activeBulkRun();
  return { status: 'refused', activeRunId: active?.id ?? 'unknown' };
}

async function previousUnsuccessfulRun(deps: SyncDeps, runId: string) {
  const prev = await deps.store.db
    .selectFrom('sync.runs')
    .select(['id', 'status', 'reason'])
    .where('kind', 'in', ['initial', 'daily'])
    .where('id', '!=', runId)
    .where('finished_at', 'is not', null)
    .orderBy('started_at', 'desc')
    .executeTakeFirst();
  return prev && prev.status !== 'completed'
    ? { runId: prev.id, status: prev.status, reason: prev.reason }
    : undefined;
}

/** A scheduled run is a full reconcile when the last completed full one is N days old (or never ran). */
async function fullReconcileDue(deps: SyncDeps): Promise<boolean> {
  const days = deps.settings.fullReconcileEveryDays;
  if (days <= 0) return false;
  const period = days * 86_400_000 - 3_600_000; // an hour's slack for schedule jitter
  const last = await deps.store.db
    .selectFrom('sync.runs')
    .select('started_at')
    .where('status', '=', 'completed')
    .where((eb) => eb.or([eb('full', '=', true), eb('kind', '=', 'initial')]))
    .orderBy('started_at', 'desc')
    .executeTakeFirst();
  // An initial sync wrote everything: it counts as the last full reconcile.
  return !last || Date.now() - last.started_at.getTime() >= period;
}

async function workflowIsRunning(deps: SyncDeps, workflowId: string): Promise<boolean> {
  try {
    const d = await deps.temporal!.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    // Only a workflow Temporal does not know is gone; any other error (network, permissions) must
    // not free a lock a live run may hold: retry instead.
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export async function finishRunActivity(
  deps: SyncDeps,
  input: { runId: string; status: RunStatus; counts: Counts; reason: string | null },
): Promise<void> {
  await deps.store.setRunStatus(input.runId, input.status, {
    counts: input.counts as Record<string, number>,
    reason: input.reason,
    finished: true,
  });
  const run = await deps.store.db
    .selectFrom('sync.runs')
    .select(['kind', 'started_at'])
    .where('id', '=', input.runId)
    .executeTakeFirst();
  if (run) deps.metrics?.runFinished(run.kind, input.status, Date.now() - run.started_at.getTime());
}

/** Upper Engage ids of pages of `pageSize` users (deleted rows count: they may need deprovisioning). */
export async function partitionUsersActivity(
  deps: SyncDeps,
  input: { pageSize: number | null },
): Promise<{ boundaries: number[] }> {
  const size = input.pageSize ?? deps.settings.pageSize;
  const rows = await sql<{ id: number }>`
    SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM engage.users) t
    WHERE rn % ${size} = 0 ORDER BY id`.execute(deps.engageDb);
  return { boundaries: rows.rows.map((r) => r.id) };
}

export async function deletionSummaryActivity(
  deps: SyncDeps,
  { runId }: { runId: string },
): Promise<{ pending: number; linked: number; holdReason: string | null; refuseReason: string | null }> {
  const [pending, linked, engageActive] = await Promise.all([
    deps.store.countPendingDeletions(runId),
    deps.store.countLinkedUsers(),
    deps.engage.countUsers({ activeOnly: true }),
  ]);
  const { count, percent } = deps.settings.deleteThreshold;
  const share = linked > 0 ? (pending * 100) / linked : 0;
  const refuseReason =
    pending > 0 && engageActive === 0
      ? `Engage returned no active users: ${pending} deletions refused (is the Engage database right?)`
      : null;
  const holdReason =
    pending > count || share > percent
      ? `${pending} deletions (${share.toFixed(1)}% of ${linked} provisioned users) exceed the safety threshold of ${count} users or ${percent}%: approve or reject`
      : null;
  // Operators listing runs see why this one waits (the UI sees it through the search attribute).
  if (holdReason && !refuseReason)
    await deps.store.setRunStatus(runId, 'awaiting-approval', { reason: holdReason });
  return { pending, linked, holdReason, refuseReason };
}

export async function applyDeletionsActivity(
  deps: SyncDeps,
  { runId, limit }: { runId: string; limit: number },
): Promise<{ applied: number; counts: Counts; remaining: number }> {
  await deps.store.setRunStatus(runId, 'running');
  const rows = await deps.store.pendingDeletions(runId, limit);
  let counts: Counts = {};
  let applied = 0;
  const log: LogEntry[] = [];
  // Re-read Engage: a user who came back since the run planned the deletion is not deleted.
  const current = await deps.engage.usersByIds(rows.map((r) => r.engage_user_id));
  const back = new Set(current.users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id));
  const states = await deps.store.usersByIds(rows.map((r) => r.engage_user_id));
  // Side by side, like the pages' writes: each deletion is its own idempotent step (a repeated
  // DELETE finds the user gone), and one at a time they made the end of a daily run wait.
  let lastBeat = 0;
  let failure: unknown;
  try {
    await pool(rows, deps.concurrency * STEPS_PER_REQUEST_SLOT, async (r) => {
      const state = states.get(r.engage_user_id);
      if (back.has(r.engage_user_id) || !state || state.visitorUserId !== r.visitor_user_id) {
        await deps.store.markDeletion(runId, r.engage_user_id, 'stale');
        return;
      }
      const started = Date.now();
      await deprovision(deps, r.mode as 'delete' | 'deactivate', r.visitor_user_id);
      const next =
        r.mode === 'delete'
          ? { ...state, visitorUserId: null, ownedAccess: {}, deprovisioned: true }
          : { ...state, deprovisioned: true };
      await deps.store.saveUser(next, runId);
      await deps.store.markDeletion(runId, r.engage_user_id, 'applied');
      const outcome = r.mode === 'delete' ? 'deleted' : 'deactivated';
      counts = addCounts(counts, { [outcome]: 1 });
      applied++;
      log.push({
        run_id: runId,
        object_type: 'user',
        engage_id: r.engage_user_id,
        visitor_id: r.visitor_user_id,
        user_name: state.userName,
        action: r.mode,
        outcome,
        attributes: null,
        duration_ms: Date.now() - started,
        detail: { reason: r.reason },
      });
      if (Date.now() - lastBeat >= 1000) {
        lastBeat = Date.now();
        Context.current().heartbeat(applied);
      }
    });
  } catch (err) {
    failure = err;
  }
  // What was applied is logged even when a later deletion fails the attempt (whose error wins).
  await deps.store.log(log).catch((err: unknown) => {
    failure ??= err;
  });
  if (failure) throw failure;
  deps.metrics?.outcomes(counts);
  return { applied, counts, remaining: await deps.store.countPendingDeletions(runId) };
}

export async function rejectDeletionsActivity(
  deps: SyncDeps,
  { runId, by }: { runId: string; by: string },
): Promise<{ rejected: number }> {
  await deps.store.setRunStatus(runId, 'running');
  const rejected = await deps.store.rejectAllDeletions(runId);
  await deps.store.logRunEvent(runId, 'deletions', 'rejected', { rejected, by });
  return { rejected };
}
