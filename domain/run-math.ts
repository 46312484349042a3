// Pure arithmetic of runs (counts, the early-stop rule), shared by the engine and the workflows.
import { type Counts, OUTCOMES } from './run-types';

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
