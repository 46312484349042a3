// Deletions are held to the end of a run and applied after everything else, each one re-checked
// against Engage first. The guard (deletion-guard.ts) decides which may go; this applies them.
import { budgetAllows, refuseReason } from '../domain/deletion-budget';
import { addCounts } from '../domain/run-math';
import type { Counts } from '../domain/run-types';
import { type AttemptFence, UNFENCED } from './attempt-fence';
import { deprovision } from './deprovision';
import type { Engine } from './engine';
import { runEntry, userEntry } from './log-entries';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import type { Progress } from './ports';

export interface DeletionSummary {
  pending: number;
  linked: number;
  holdReason: string | null;
  refuseReason: string | null;
}

/** A leaver to deprovision: who, in Visitor, and why. */
export interface Leaver {
  engageUserId: number;
  visitorUserId: string;
  mode: 'delete' | 'deactivate';
  reason: string;
}

/**
 * The deletion rule of runs recorded before the deletion guard (they wait for an operator in the run):
 * refuse on an empty Engage, hold past either threshold. Pure.
 */
export function judgeDeletions(
  d: { pending: number; linked: number; engageActive: number },
  threshold: { count: number; percent: number },
): Pick<DeletionSummary, 'holdReason' | 'refuseReason'> {
  const share = d.linked > 0 ? (d.pending * 100) / d.linked : 0;
  const held = !budgetAllows({ used: 0, linked: d.linked }, d.pending, threshold);
  return {
    refuseReason: refuseReason(d.pending, d.engageActive),
    holdReason: held
      ? `${d.pending} deletions (${share.toFixed(1)}% of ${d.linked} provisioned users) exceed the safety threshold of ${threshold.count} users or ${threshold.percent}%: approve or reject`
      : null,
  };
}

/** Runs recorded before the deletion guard: what the run holds, and whether it must wait. */
export async function deletionSummary(
  engine: Engine,
  { runId }: { runId: string },
): Promise<DeletionSummary> {
  const [pending, linked, engageActive] = await Promise.all([
    engine.store.countPendingDeletions(runId),
    engine.store.countLinkedUsers(),
    engine.engage.countUsers({ activeOnly: true }),
  ]);
  const { holdReason, refuseReason } = judgeDeletions(
    { pending, linked, engageActive },
    engine.settings.deleteThreshold,
  );
  // Operators listing runs see why this one waits (the UI sees it through the search attribute).
  if (holdReason && !refuseReason)
    await engine.store.setRunStatus(runId, 'awaiting-approval', { reason: holdReason });
  return { pending, linked, holdReason, refuseReason };
}

/** Applies a batch of the run's pending deletions (those the guard let through). */
export async function applyDeletions(
  engine: Engine,
  { runId, limit }: { runId: string; limit: number },
  progress: Progress,
  fence: AttemptFence = UNFENCED,
): Promise<{ applied: number; counts: Counts; remaining: number }> {
  const { store } = engine;
  await store.setRunStatus(runId, 'running');
  const rows = await store.pendingDeletions(runId, limit);
  const done = await deprovisionLeavers(
    engine,
    runId,
    rows.map((r) => ({
      engageUserId: r.engage_user_id,
      visitorUserId: r.visitor_user_id,
      mode: r.mode as Leaver['mode'],
      reason: r.reason,
    })),
    progress,
    (l, outcome) => store.markDeletion(runId, l.engageUserId, outcome),
    fence,
  );
  return { applied: done.applied, counts: done.counts, remaining: await store.countPendingDeletions(runId) };
}

/**
 * Deprovisions leavers side by side, each its own idempotent step (a repeated DELETE finds the user
 * gone), and logs each as it is done. Re-reads Engage first: a user who came back since the deletion
 * was decided, or whose Visitor link changed, is 'stale' and kept.
 */
export async function deprovisionLeavers(
  engine: Engine,
  runId: string,
  leavers: readonly Leaver[],
  progress: Progress,
  settled: (l: Leaver, outcome: 'applied' | 'stale') => Promise<void>,
  fence: AttemptFence = UNFENCED,
): Promise<{ applied: number; stale: number; counts: Counts }> {
  const { store } = engine;
  const ids = leavers.map((l) => l.engageUserId);
  const [current, states] = await Promise.all([engine.engage.usersByIds(ids), store.usersByIds(ids)]);
  // A row that is back but malformed is not a leaver either (the pages report it); a malformed row
  // that is deleted or inactive still is one.
  const back = new Set([
    ...current.users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id),
    ...current.invalid.filter((i) => i.activeInEngage).map((i) => i.id),
  ]);
  let counts: Counts = {};
  let applied = 0;
  let stale = 0;
  let lastBeat = 0;
  await pool(leavers, engine.concurrency * STEPS_PER_REQUEST_SLOT, async (l) => {
    if (progress.signal.aborted) return;
    const state = states.get(l.engageUserId);
    if (
      back.has(l.engageUserId) ||
      !state ||
      state.visitorUserId !== l.visitorUserId ||
      state.deprovisioned
    ) {
      await settled(l, 'stale');
      stale++;
      return;
    }
    const started = engine.clock.now();
    // An older attempt of this batch never writes beside its retry.
    await fence.assertHolder();
    await deprovision(engine.visitor, l.mode, l.visitorUserId);
    const next =
      l.mode === 'delete'
        ? { ...state, visitorUserId: null, ownedAccess: {}, deprovisioned: true }
        : { ...state, deprovisioned: true };
    const outcome = l.mode === 'delete' ? 'deleted' : 'deactivated';
    // Logged before the state is saved: an attempt that dies in between repeats the (idempotent)
    // deprovisioning and logs it again, rather than finding it done and never logging it.
    await store.log([
      userEntry(runId, l.engageUserId, l.mode, outcome, {
        visitor_id: l.visitorUserId,
        user_name: state.userName,
        duration_ms: engine.clock.now() - started,
        detail: { reason: l.reason },
      }),
    ]);
    await store.saveUser(next, runId);
    await settled(l, 'applied');
    counts = addCounts(counts, { [outcome]: 1 });
    applied++;
    if (engine.clock.now() - lastBeat >= 1000) {
      lastBeat = engine.clock.now();
      progress.beat(applied);
    }
  });
  engine.metrics?.outcomes(counts);
  // A deleted user's name is free again: users that failed on a conflict with it (a rehire reusing
  // an address while the leaver was held) are tried on the next run instead of waiting out back-off.
  if (counts.deleted) await store.retryConflictsNow();
  return { applied, stale, counts };
}

export async function rejectDeletions(
  engine: Engine,
  { runId, by }: { runId: string; by: string },
): Promise<{ rejected: number }> {
  await engine.store.setRunStatus(runId, 'running');
  const rejected = await engine.store.rejectAllDeletions(runId);
  await engine.store.log([runEntry(runId, 'deletions', 'rejected', { rejected, by })]);
  return { rejected };
}
