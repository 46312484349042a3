// The worker's one line per run start and finish, with the counts: what an operator greps a log for.
// Ids and counts only (no user names: the log may leave the company's systems).
import type { Counts } from '../domain/run-types';

const nonZero = (counts: Partial<Counts> | Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'nothing to do';

const who = (tenant: string | undefined) => (tenant ? ` [tenant ${tenant}]` : '');

export function runStartedLine(o: {
  runId: string;
  kind: string;
  dryRun: boolean;
  full: boolean;
  startedBy: string;
  tenant: string | undefined;
  refusedBy?: string;
}): string {
  const what = `${o.kind}${o.dryRun ? ' dry run' : ''}${o.full ? ' (full reconcile)' : ''}`;
  if (o.refusedBy)
    return `run refused: ${o.runId}${who(o.tenant)} ${what}: ${o.refusedBy} holds the bulk-run lock`;
  return `run started: ${o.runId}${who(o.tenant)} ${what}, started by ${o.startedBy}`;
}

export function runFinishedLine(o: {
  runId: string;
  status: string;
  counts: Partial<Counts> | Record<string, number>;
  reason: string | null;
  tenant: string | undefined;
}): string {
  return `run finished: ${o.runId}${who(o.tenant)} ${o.status}: ${nonZero(o.counts)}${o.reason ? ` (${o.reason})` : ''}`;
}

export function userRunLine(o: {
  runId: string;
  engageUserId: number;
  outcome: string;
  dryRun: boolean;
  durationMs: number;
  tenant: string | undefined;
}): string {
  return `user run finished: ${o.runId}${who(o.tenant)} Engage user ${o.engageUserId}${o.dryRun ? ' (dry run)' : ''} → ${o.outcome} in ${Math.round(o.durationMs)} ms`;
}
