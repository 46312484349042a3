// Deletions are held to the end of a run and applied after everything else; past the safety
// threshold they wait for an operator, and an empty Engage never deletes anyone.
import { addCounts } from '../domain/run-math';
import type { Counts } from '../domain/run-types';
import { deprovision } from './deprovision';
import type { Engine } from './engine';
import { runEntry, userEntry } from './log-entries';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import type { LogEntry, Progress } from './ports';

export interface DeletionSummary {
  pending: number;
  linked: number;
  holdReason: string | null;
  refuseReason: string | null;
}

/** The deletion decision rule: refuse on an empty Engage, hold past either threshold. Pure. */
export function judgeDeletions(
  d: { pending: number; linked: number; engageActive: number },
  threshold: { count: number; percent: number },
): Pick<DeletionSummary, 'holdReason' | 'refuseReason'> {
  const share = d.linked > 0 ? (d.pending * 100) / d.linked : 0;
  const refuseReason =
    d.pending > 0 && d.engageActive === 0
      ? `Engage returned no active users: ${d.pending} deletions refused (is the Engage database right?)`
      : null;
  const holdReason =
    d.pending > threshold.count || share > threshold.percent
      ? `${d.pending} deletions (${share.toFixed(1)}% of ${d.linked} provisioned users) exceed the safety threshold of ${threshold.count} users or ${threshold.percent}%: approve or reject`
      : null;
  return { holdReason, refuseReason };
}

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

export async function applyDeletions(
  engine: Engine,
  { runId, limit }: { runId: string; limit: number },
  progress: Progress,
): Promise<{ applied: number; counts: Counts; remaining: number }> {
  const { store } = engine;
  await store.setRunStatus(runId, 'running');
  const rows = await store.pendingDeletions(runId, limit);
  let counts: Counts = {};
  let applied = 0;
  const log: LogEntry[] = [];
  // Re-read Engage: a user who came back since the run planned the deletion is not deleted.
  const current = await engine.engage.usersByIds(rows.map((r) => r.engage_user_id));
  // A row that is back but malformed is not a leaver either (the pages report it); a malformed row
  // that is deleted or inactive still is one.
  const back = new Set([
    ...current.users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id),
    ...current.invalid.filter((i) => i.activeInEngage).map((i) => i.id),
  ]);
  const states = await store.usersByIds(rows.map((r) => r.engage_user_id));
  // Side by side, like the pages' writes: each deletion is its own idempotent step (a repeated
  // DELETE finds the user gone).
  let lastBeat = 0;
  let failure: unknown;
  try {
    await pool(rows, engine.concurrency * STEPS_PER_REQUEST_SLOT, async (r) => {
      if (progress.signal.aborted) return;
      const state = states.get(r.engage_user_id);
      if (back.has(r.engage_user_id) || !state || state.visitorUserId !== r.visitor_user_id) {
        await store.markDeletion(runId, r.engage_user_id, 'stale');
        return;
      }
      const started = engine.clock.now();
      const mode = r.mode as 'delete' | 'deactivate';
      await deprovision(engine.visitor, mode, r.visitor_user_id);
      const next =
        mode === 'delete'
          ? { ...state, visitorUserId: null, ownedAccess: {}, deprovisioned: true }
          : { ...state, deprovisioned: true };
      await store.saveUser(next, runId);
      await store.markDeletion(runId, r.engage_user_id, 'applied');
      const outcome = mode === 'delete' ? 'deleted' : 'deactivated';
      counts = addCounts(counts, { [outcome]: 1 });
      applied++;
      log.push(
        userEntry(runId, r.engage_user_id, mode, outcome, {
          visitor_id: r.visitor_user_id,
          user_name: state.userName,
          duration_ms: engine.clock.now() - started,
          detail: { reason: r.reason },
        }),
      );
      if (engine.clock.now() - lastBeat >= 1000) {
        lastBeat = engine.clock.now();
        progress.beat(applied);
      }
    });
  } catch (err) {
    failure = err;
  }
  // What was applied is logged even when a later deletion fails the attempt (whose error wins).
  await store.log(log).catch((err: unknown) => {
    failure ??= err;
  });
  if (failure) throw failure;
  engine.metrics?.outcomes(counts);
  return { applied, counts, remaining: await store.countPendingDeletions(runId) };
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
