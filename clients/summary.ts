// The closing report of a bulk run, with the next command to type for whatever needs attention.
import type { SyncRunResult } from '../workflows/types';
import { countsSummary, formatDuration } from './format';

export function runSummary(
  result: SyncRunResult,
  opts: { durationMs?: number; link: string; dryRun?: boolean },
): string {
  const took = opts.durationMs !== undefined ? ` in ${formatDuration(opts.durationMs)}` : '';
  const lines = [`Run ${result.runId}: ${result.status}${took}${opts.dryRun ? ' (dry run)' : ''}`];
  if (result.reason) lines.push(`  reason:      ${result.reason}`);
  lines.push(`  users:       ${countsSummary(result.counts)}`);
  if (result.locations) lines.push(`  locations:   ${countsSummary({ ...result.locations })}`);
  if (result.deletions && result.deletions.pending > 0) {
    const d = result.deletions;
    lines.push(`  deletions:   ${d.pending} held → ${d.applied} applied, ${d.rejected} rejected`);
  }
  if (result.invitationsWorkflowId) {
    lines.push(
      `  invitations: held by ${result.invitationsWorkflowId} — npm run sync -- invitations status ${result.runId}`,
    );
  }
  if ((result.counts.failed ?? 0) > 0 || (result.counts.quarantined ?? 0) > 0) {
    lines.push(`  failures:    npm run log -- --run ${result.runId} --status failed`);
  }
  if (opts.dryRun) lines.push(`  the plan:    npm run sync -- plan ${result.runId}`);
  lines.push(`  Temporal UI: ${opts.link}`);
  return lines.join('\n');
}

/** 0 for a completed run; anything else (failed, stopped, skipped) is 1. */
export const exitCodeOf = (result: SyncRunResult) => (result.status === 'completed' ? 0 : 1);
