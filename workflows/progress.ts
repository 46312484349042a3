// A run's progress as the `progress` query answers it: pure, tested alone.
import { processedOf } from '../domain/run-math';
import type { RunProgress } from './types';

/** What the run knows; the rest of its progress is computed from it. */
export type ProgressInput = Pick<
  RunProgress,
  | 'runId'
  | 'kind'
  | 'phase'
  | 'dryRun'
  | 'pagesDone'
  | 'pagesTotal'
  | 'counts'
  | 'deletionsPending'
  | 'reason'
> & { startedAtMs: number; nowMs?: number };

export function progressOf(p: ProgressInput): RunProgress {
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
