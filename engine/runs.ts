// Run bookkeeping: the one-bulk-run-at-a-time lock, the page boundaries, and the final record.
import type { Counts, InvitationPolicy, RunStatus } from '../domain/run-types';
import type { Engine } from './engine';
import { EngineConfigError } from './errors';
import { countsOf } from './run-counts';

export interface BeginRunInput {
  runId: string;
  kind: 'initial' | 'daily';
  startedBy: string;
  dryRun: boolean;
  workflowId: string;
  invitations: InvitationPolicy | null;
  full: boolean | null;
}

export type BeginRunResult =
  | {
      status: 'started';
      invitations: InvitationPolicy;
      full: boolean;
      /** The previous bulk run, when it did not complete: the operator sees it on this run too. */
      previous?: { runId: string; status: string; reason: string | null };
    }
  | { status: 'refused'; activeRunId: string };

export async function beginRun(engine: Engine, input: BeginRunInput): Promise<BeginRunResult> {
  const { store } = engine;
  const invitations = input.invitations ?? engine.settings.invitations;
  const full = input.full ?? (input.kind === 'daily' && (await fullReconcileDue(engine)));
  const row = {
    id: input.runId,
    kind: input.kind,
    workflowId: input.workflowId,
    startedBy: input.startedBy,
    dryRun: input.dryRun,
  };
  // A dry run writes nothing to Visitor, so it may run beside a real one.
  if (input.dryRun) {
    await store.openRun({ ...row, kind: `${row.kind}-dry-run` });
    return { status: 'started', invitations, full };
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = await store.beginRun(row);
    if (res.ok || res.activeRunId === input.runId) {
      if (full) await store.markRunFull(input.runId);
      const prev = await store.previousBulkRun(input.runId);
      const previous =
        prev && prev.status !== 'completed'
          ? { runId: prev.id, status: prev.status, reason: prev.reason }
          : undefined;
      return { status: 'started', invitations, full, ...(previous ? { previous } : {}) };
    }
    // The holder may be a run that was terminated without finishing: free its lock if Temporal says so.
    if (!engine.workflowIsRunning || (await engine.workflowIsRunning(res.activeWorkflowId)))
      return { status: 'refused', activeRunId: res.activeRunId };
    await store.setRunStatus(res.activeRunId, 'abandoned', {
      reason: 'its workflow is no longer running',
      finished: true,
    });
  }
  const active = await store.activeBulkRun();
  return { status: 'refused', activeRunId: active?.id ?? 'unknown' };
}

/** An hour's slack for schedule jitter: a run a little early still counts as a day later. */
const SCHEDULE_SLACK_MS = 3_600_000;

/** A scheduled run is a full reconcile when the last completed full one is N days old (or never ran). */
async function fullReconcileDue(engine: Engine): Promise<boolean> {
  const days = engine.settings.fullReconcileEveryDays;
  if (days <= 0) return false;
  const period = days * 86_400_000 - SCHEDULE_SLACK_MS;
  // An initial sync wrote everything: it counts as the last full reconcile.
  const last = await engine.store.lastFullReconcileAt();
  return !last || engine.clock.now() - last.getTime() >= period;
}

/**
 * Records the run's end with the counts of what it recorded (engine/run-counts.ts), which survive
 * crashed attempts; the workflow's own sums (`counts`) only for a run that recorded no page (one that
 * began before pages recorded themselves). Returns the counts recorded.
 */
export async function finishRun(
  engine: Engine,
  input: { runId: string; status: RunStatus; counts: Counts; reason: string | null },
): Promise<{ counts: Counts }> {
  const record = await engine.store.runRecord(input.runId);
  const counts = record.processed === null && record.outcomes.length === 0 ? input.counts : countsOf(record);
  await engine.store.setRunStatus(input.runId, input.status, {
    counts: counts as Record<string, number>,
    reason: input.reason,
    finished: true,
  });
  const run = await engine.store.runKindAndStart(input.runId);
  if (run) engine.metrics?.runFinished(run.kind, input.status, engine.clock.now() - run.startedAt.getTime());
  return { counts };
}

/** Upper Engage ids of pages of `pageSize` users (deleted rows count: they may need deprovisioning). */
export async function partitionUsers(
  engine: Engine,
  input: { pageSize: number | null },
): Promise<{ boundaries: number[] }> {
  const size = input.pageSize ?? engine.settings.pageSize;
  // A run started with a page size no reader accepts must fail, not retry for ever holding the lock.
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw new EngineConfigError(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE} (got ${size})`);
  return { boundaries: await engine.engage.pageBoundaries(size) };
}

/** The largest page the Engage reader reads in one query. */
export const MAX_PAGE_SIZE = 10_000;
