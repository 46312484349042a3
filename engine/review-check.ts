// Onboarding applies what was reviewed: before an initial sync writes anything, a fresh dry run's plan
// is compared with the dry run the operator reviewed; any object planned otherwise refuses the run,
// listed in the log (ids and actions) and named in the reason with the command that shows them all.
import type { Engine } from './engine';
import { runEntry } from './log-entries';

/** Differences listed in the run's log entry; `plan … --against` lists every one. */
const LISTED = 20;

export interface ReviewCheckInput {
  runId: string;
  kind: string;
  reviewedRunId: string;
  freshRunId: string;
}

export type ReviewCheckResult = { ok: true } | { ok: false; reason: string; differences: number };

/** Why the reviewed run cannot stand for this run's plan, or null. */
function unusable(
  reviewedRunId: string,
  kind: string,
  run: { kind: string; dryRun: boolean; status: string } | undefined,
): string | null {
  if (!run) return `no run ${reviewedRunId} to apply`;
  if (!run.dryRun)
    return `${reviewedRunId} is not a dry run: only a dry run's plan can be reviewed and applied`;
  // Dry runs are recorded as '<kind>-dry-run'.
  const planned = run.kind.replace(/-dry-run$/, '');
  if (planned !== kind) return `${reviewedRunId} planned a ${planned} sync, not a ${kind} one`;
  if (run.status !== 'completed') return `${reviewedRunId} is ${run.status}: its plan is incomplete`;
  return null;
}

export async function checkReviewedPlan(engine: Engine, input: ReviewCheckInput): Promise<ReviewCheckResult> {
  const { store } = engine;
  const [reviewed, fresh] = await Promise.all([
    store.runOutline(input.reviewedRunId),
    store.runOutline(input.freshRunId),
  ]);
  const refusal =
    unusable(input.reviewedRunId, input.kind, reviewed) ??
    (fresh?.status === 'completed'
      ? null
      : `the check run ${input.freshRunId} is ${fresh?.status ?? 'missing'}`);
  if (refusal) {
    await store.log([runEntry(input.runId, 'review-check', 'refused', { reason: refusal })]);
    return { ok: false, reason: refusal, differences: 0 };
  }
  const diff = await store.planDifferences(input.reviewedRunId, input.freshRunId, LISTED);
  const detail = {
    reviewed: input.reviewedRunId,
    fresh: input.freshRunId,
    differences: diff.total,
    ...(diff.total > 0 ? { first: diff.first } : {}),
  };
  await store.log([runEntry(input.runId, 'review-check', diff.total > 0 ? 'refused' : 'passed', detail)]);
  if (diff.total === 0) return { ok: true };
  return {
    ok: false,
    differences: diff.total,
    reason:
      `the plan changed since ${input.reviewedRunId} was reviewed: ${diff.total} object${diff.total === 1 ? '' : 's'} ` +
      `planned otherwise; nothing was written. See them: npm run sync -- plan ${input.freshRunId} --against ${input.reviewedRunId}`,
  };
}
