// The deletion guard: every deletion, from a bulk run or a per-user run on any worker, spends one
// budget per sliding window. Past it, deletions are held for one pending operator decision instead of
// blocking the run; the decision applies the held ones still valid, or expires as rejected.
import { budgetAllows, holdReason, refuseReason } from '../domain/deletion-budget';
import type { Counts } from '../domain/run-types';
import { type AttemptFence, UNFENCED } from './attempt-fence';
import type { DeletionDecision, DeletionPath } from './deletion-guard-port';
import { deprovisionLeavers } from './deletions';
import type { Engine } from './engine';
import { runEntry } from './log-entries';
import type { PendingDeletion, Progress } from './ports';

/** The log's run id of a decision's own actions. */
export const decisionRunId = (decisionId: number) => `deletion-decision-${decisionId}`;

/** More than any run holds: the guard judges a run's deletions as one batch. */
const ALL = 1_000_000;

export interface DecisionRef {
  id: number;
  workflowId: string;
  expiresAtMs: number;
  held: number;
}

/** `decision` is the pending decision once settled, if any: its workflow must run. */
export type Settlement =
  | { outcome: 'none'; decision: DecisionRef | null }
  /** Within the budget (reserved): apply them with applyDeletions. */
  | { outcome: 'apply'; pending: number; held: number; decision: DecisionRef | null; reason: string | null }
  /** Engage looks empty: all refused (rejected). */
  | { outcome: 'refused'; pending: number; rejected: number; reason: string }
  /** Past the budget (or already waiting for the decision): held for it. */
  | { outcome: 'held'; pending: number; held: number; decision: DecisionRef; reason: string };

/**
 * Judges a run's pending deletions. Users already held for the pending decision stay held (a run
 * never deletes what an operator is asked about); the others spend the budget, all or none, and are
 * held when it has no room. A dry run judges without reserving or holding anything.
 */
export async function settleDeletions(
  engine: Engine,
  { runId, path, dryRun }: { runId: string; path: Exclude<DeletionPath, 'approved'>; dryRun: boolean },
): Promise<Settlement> {
  const { store, guard, settings } = engine;
  const rows = await store.pendingDeletions(runId, ALL);
  if (path === 'run' && !dryRun) await refreshHeld(engine);
  if (rows.length === 0) {
    const pending = await guard.pendingDecision();
    // A retried attempt finds its deletions held already: the same answer as the first attempt.
    const heldByRun = pending ? await guard.countHeldByRun(runId) : 0;
    if (pending && heldByRun > 0)
      return {
        outcome: 'held',
        pending: heldByRun,
        held: heldByRun,
        decision: refOf(pending),
        reason: pending.reason,
      };
    return { outcome: 'none', decision: pending && !dryRun ? refOf(pending) : null };
  }
  const refused = refuseReason(rows.length, await engine.engage.countUsers({ activeOnly: true }));
  if (refused) {
    const rejected = dryRun ? 0 : await store.rejectAllDeletions(runId);
    if (!dryRun)
      await store.log([runEntry(runId, 'deletions', 'rejected', { rejected, by: 'safety-guard' })]);
    return { outcome: 'refused', pending: rows.length, rejected, reason: refused };
  }
  const already = await guard.whichHeld(rows.map((r) => r.engage_user_id));
  const fresh = rows.filter((r) => !already.has(r.engage_user_id));
  const rejoin = rows.filter((r) => already.has(r.engage_user_id));
  const threshold = settings.deleteThreshold;
  const since = new Date(engine.clock.now() - threshold.windowMs);
  const allow = (use: { used: number; linked: number }, adding: number) =>
    budgetAllows(use, adding, threshold);

  let fits: boolean;
  let reason: string | null = null;
  if (dryRun) {
    const use = await guard.budgetUse(since);
    fits = allow(use, fresh.length);
    if (!fits) reason = holdReason(use, fresh.length, threshold, threshold.windowMs);
  } else {
    const r = await guard.reserve({
      runId,
      engageUserIds: fresh.map((f) => f.engage_user_id),
      path,
      since,
      allow,
    });
    fits = r.ok;
    if (!fits) reason = holdReason(r.use, fresh.length, threshold, threshold.windowMs);
  }
  const toHold = fits ? rejoin : rows;
  if (toHold.length === 0) {
    const pending = dryRun ? undefined : await guard.pendingDecision();
    return {
      outcome: 'apply',
      pending: rows.length,
      held: 0,
      decision: pending ? refOf(pending) : null,
      reason: null,
    };
  }
  reason ??= `${toHold.length} deletions of users already held for the pending decision stay held`;
  const decision = dryRun ? await dryRunDecision(engine) : await hold(engine, runId, toHold, reason);
  return fits
    ? { outcome: 'apply', pending: rows.length, held: toHold.length, decision, reason }
    : { outcome: 'held', pending: rows.length, held: toHold.length, decision, reason };
}

async function hold(
  engine: Engine,
  runId: string,
  rows: readonly PendingDeletion[],
  reason: string,
): Promise<DecisionRef> {
  const d = await engine.guard.hold({
    runId,
    deletions: rows,
    reason,
    expiresAt: new Date(engine.clock.now() + engine.settings.decisionTtlMs),
  });
  await engine.store.log([
    runEntry(runId, 'deletions', 'held', { held: rows.length, decision: d.id, reason }),
  ]);
  if (d.opened) engine.decisionMetrics?.decision('opened');
  return refOf(d);
}

async function dryRunDecision(engine: Engine): Promise<DecisionRef> {
  const pending = await engine.guard.pendingDecision();
  return pending
    ? refOf(pending)
    : { id: 0, workflowId: '', expiresAtMs: engine.clock.now() + engine.settings.decisionTtlMs, held: 0 };
}

const refOf = (d: DeletionDecision): DecisionRef => ({
  id: d.id,
  workflowId: d.workflowId,
  expiresAtMs: d.expiresAt.getTime(),
  held: d.held,
});

/** Held deletions of users who are active in Engage again are no longer leavers: dropped. */
async function refreshHeld(engine: Engine): Promise<void> {
  const pending = await engine.guard.pendingDecision();
  if (!pending) return;
  const held = await engine.guard.heldDeletions(pending.id, ALL);
  if (held.length === 0) return;
  const current = await engine.engage.usersByIds(held.map((h) => h.engageUserId));
  const back = [
    ...current.users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id),
    ...current.invalid.filter((i) => i.activeInEngage).map((i) => i.id),
  ];
  await engine.guard.dropHeld(back);
}

/**
 * The approved decision's held deletions, a batch at a time: each re-checked against Engage and the
 * sync state, so a user who came back since is kept.
 */
export async function applyHeldDeletions(
  engine: Engine,
  { decisionId, limit }: { decisionId: number; limit: number },
  progress: Progress,
  fence: AttemptFence = UNFENCED,
): Promise<{ applied: number; stale: number; counts: Counts; remaining: number }> {
  const d = await engine.guard.decision(decisionId);
  if (d?.status !== 'applying') return { applied: 0, stale: 0, counts: {}, remaining: 0 };
  const held = await engine.guard.heldDeletions(decisionId, limit);
  const done = await deprovisionLeavers(
    engine,
    decisionRunId(decisionId),
    held,
    progress,
    (l, outcome) => engine.guard.releaseHeld(decisionId, l.engageUserId, outcome),
    fence,
  );
  const left = await engine.guard.decision(decisionId);
  return { ...done, remaining: left?.held ?? 0 };
}

/**
 * An operator approved the decision: from now on it takes no more held deletions, and those held
 * after the approval wait for a new decision (its workflow must start: `successor`).
 */
export async function beginApplyingDecision(
  engine: Engine,
  { decisionId, by, approvedAtMs }: { decisionId: number; by: string; approvedAtMs: number },
): Promise<{ applying: boolean; successor: DecisionRef | null }> {
  const r = await engine.guard.beginApplying(decisionId, {
    by,
    approvedAt: new Date(approvedAtMs),
    successorExpiresAt: new Date(engine.clock.now() + engine.settings.decisionTtlMs),
  });
  return { applying: r.applying, successor: r.successor ? refOf(r.successor) : null };
}

/** Closes the decision (approved once applied, rejected, expired); what was still held is dropped. */
export async function closeDeletionDecision(
  engine: Engine,
  { decisionId, status, by }: { decisionId: number; status: 'approved' | 'rejected' | 'expired'; by: string },
): Promise<{ closed: boolean; dropped: number }> {
  const r = await engine.guard.closeDecision(decisionId, status, by);
  if (r.closed) {
    await engine.store.log([
      runEntry(decisionRunId(decisionId), 'deletions', status, { dropped: r.dropped, by }),
    ]);
    engine.decisionMetrics?.decision(status);
  }
  return r;
}
