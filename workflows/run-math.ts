// Pure arithmetic of runs (counts, progress, early-stop rule), shared by workflows and tested alone.
import { type Counts, OUTCOMES, type Phase, type RunKind, type RunProgress } from './types';

export function addCounts(a: Counts, b: Counts): Counts {
  const out: Counts = { ...a };
  for (const [k, v] of Object.entries(b) as [keyof Counts, number][]) out[k] = (out[k] ?? 0) + v;
  return out;
}

const PROCESSED: (keyof Counts)[] = [...OUTCOMES, 'planned'];
export const processedOf = (c: Counts) => PROCESSED.reduce((n, k) => n + (c[k] ?? 0), 0);

/**
 * Stop a run whose writes Visitor mostly refuses (Visitor broken, or our mapping wrong), after a fair
 * sample. Only Visitor write failures count: invalid Engage rows are the data's problem, not the run's.
 */
export function shouldStopForFailures(c: Counts, minSample = 200, maxFailureRatio = 0.5): string | undefined {
  const failed = c.writeFailures ?? 0;
  const writes = (c.created ?? 0) + (c.adopted ?? 0) + (c.updated ?? 0) + (c.reactivated ?? 0) + failed;
  if (writes < minSample) return undefined;
  return failed / writes > maxFailureRatio
    ? `stopped early: Visitor refused ${failed} of ${writes} user writes (over ${maxFailureRatio * 100}%) — see the provisioning log`
    : undefined;
}

export function progressOf(p: {
  runId: string;
  kind: RunKind;
  phase: Phase;
  dryRun: boolean;
  pagesDone: number;
  pagesTotal: number;
  counts: Counts;
  startedAtMs: number;
  deletionsPending?: number;
  reason?: string;
  nowMs?: number;
}): RunProgress {
  const elapsedMs = Math.max(0, (p.nowMs ?? Date.now()) - p.startedAtMs);
  const usersProcessed = processedOf(p.counts);
  const usersPerSecond = elapsedMs > 0 ? (usersProcessed * 1000) / elapsedMs : 0;
  const pageRate = elapsedMs > 0 ? p.pagesDone / elapsedMs : 0;
  const remainingPages = Math.max(0, p.pagesTotal - p.pagesDone);
  return {
    runId: p.runId,
    kind: p.kind,
    phase: p.phase,
    dryRun: p.dryRun,
    pagesDone: p.pagesDone,
    pagesTotal: p.pagesTotal,
    usersProcessed,
    counts: p.counts,
    startedAt: new Date(p.startedAtMs).toISOString(),
    elapsedMs,
    usersPerSecond: Math.round(usersPerSecond * 10) / 10,
    etaSeconds: p.phase === 'users' && pageRate > 0 ? Math.round(remainingPages / pageRate / 1000) : null,
    ...(p.deletionsPending !== undefined ? { deletionsPending: p.deletionsPending } : {}),
    ...(p.reason ? { reason: p.reason } : {}),
  };
}
