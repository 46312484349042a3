// What a run shows in the Temporal UI beside its id: a one-line summary fixed at start (set by whoever
// starts it) and details the run keeps current (markdown, rendered in the UI's "User Metadata"). Ids,
// counts and commands only — never a person's data, never a secret. Pure: tested alone.
import { type Counts, OUTCOMES, type RunStatus } from '../domain/run-types';
import type { DecisionStatus, RunKind, RunProgress } from './types';

const KIND_LABEL: Record<RunKind, string> = {
  initial: 'Initial sync',
  daily: 'Daily sync',
  user: 'Provisioning of one user',
};

export interface RunSummaryInput {
  kind: RunKind;
  /** A daily run that re-reads every user (`sync full`). */
  full?: boolean | undefined;
  /** The tenant's id; none for the environment-configured company. */
  tenant?: string | undefined;
  dryRun?: boolean | undefined;
  /** How invitations are handled, as the CLI labels it (e.g. "delay 24h"). */
  invitations?: string | undefined;
  startedBy: string;
  /** A per-user run's Engage user id. */
  engageUserId?: number | undefined;
}

/** "Daily sync · acme · invitations: send · started by schedule" (one line, at most 200 characters). */
export function runSummary(i: RunSummaryInput): string {
  const parts = [
    `${i.full ? 'Full reconcile' : KIND_LABEL[i.kind]}${i.engageUserId !== undefined ? ` (Engage id ${i.engageUserId})` : ''}${i.dryRun ? ' (dry run)' : ''}`,
    i.tenant ? `company ${i.tenant}` : 'configured company',
    ...(i.invitations ? [`invitations: ${i.invitations}`] : []),
    `started by ${i.startedBy}`,
  ];
  return oneLine(parts.join(' · '), 200);
}

/** "1,000 created · 200 updated · 34 failed" (zero counts left out). */
export function countsLine(counts: Counts): string {
  const shown = OUTCOMES.flatMap((k) => {
    const n = counts[k] ?? 0;
    return n > 0 ? [`${n.toLocaleString('en')} ${k}`] : [];
  });
  return shown.length ? shown.join(' · ') : 'none yet';
}

export interface RunDetailsContext {
  tenant?: string | undefined;
  /** Set once the run has ended. */
  outcome?: { status: RunStatus; reason?: string | undefined } | undefined;
}

/** The run's current details: its phase, pages, counts, rate, and what an operator can do now. */
export function runDetails(p: RunProgress, c: RunDetailsContext = {}): string {
  const tenantFlag = tenantFlagOf(c.tenant);
  const lines: string[] = [];
  if (c.outcome)
    lines.push(
      `**Outcome:** ${c.outcome.status}${c.outcome.reason ? ` — ${oneLine(c.outcome.reason, 300)}` : ''}`,
    );
  lines.push(`**Phase:** ${p.phase}${p.dryRun ? ' (dry run: nothing is written to Visitor)' : ''}`);
  if (p.pagesTotal > 0 && p.phase !== 'starting')
    lines.push(`**Pages:** ${p.pagesDone} of ${p.pagesTotal} done`);
  lines.push(
    `**Users:** ${p.usersProcessed.toLocaleString('en')} processed — ${countsLine(p.counts)}` +
      (p.usersPerSecond > 0 ? ` (${p.usersPerSecond} users/s)` : '') +
      (p.etaSeconds !== null ? ` · about ${duration(p.etaSeconds)} left` : ''),
  );
  if ((p.counts.failed ?? 0) > 0)
    lines.push(`**Failed users:** see \`npm run log -- --run ${p.runId} --status failed${tenantFlag}\``);
  if (p.phase === 'awaiting-approval')
    lines.push(
      `**Waiting for an operator:** ${p.deletionsPending ?? 'some'} deletions exceed the deletion budget. ` +
        `Approve: \`npm run sync -- approve ${p.runId}${tenantFlag}\` · reject: \`npm run sync -- reject ${p.runId}${tenantFlag}\``,
    );
  else if (p.deletionsPending) lines.push(`**Deletions:** ${p.deletionsPending} pending`);
  if (p.reason && !c.outcome) lines.push(`**Stopping:** ${oneLine(p.reason, 300)}`);
  else if (p.phase !== 'finished' && !c.outcome)
    lines.push(`**Stop it:** \`npm run sync -- stop ${p.runId}${tenantFlag} --reason "…"\``);
  return lines.join('\n\n');
}

/** What a command needs to act on this company's run (nothing for the configured company). */
const tenantFlagOf = (tenant: string | undefined) => (tenant ? ` --tenant ${tenant}` : '');

const isoSecond = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A page activity's summary in the UI: the Engage id range it covers. */
export function pageSummary(range: { afterId: number | null; upToId: number | null }): string {
  if (range.afterId === null && range.upToId === null) return 'Engage users: all';
  if (range.afterId === null) return `Engage users with id ≤ ${range.upToId}`;
  if (range.upToId === null) return `Engage users with id > ${range.afterId} (the last page)`;
  return `Engage users with id ${range.afterId + 1}–${range.upToId}`;
}

export interface UserRunDetailsInput {
  engageUserId: number;
  passes: number;
  /** The last pass's outcome; none before the first pass ends. */
  outcome?: string | undefined;
  /** Set once the run has ended. */
  ended?: boolean | undefined;
  tenant?: string | undefined;
}

/** A per-user run's current details: its passes, the last outcome, and where its log entries are. */
export function userRunDetails(i: UserRunDetailsInput): string {
  const tenantFlag = tenantFlagOf(i.tenant);
  const lines = [
    i.ended
      ? `**Outcome:** ${i.outcome ?? 'unchanged'}`
      : `**Phase:** ${i.passes === 0 ? 'starting' : 'provisioning'}`,
    `**Passes:** ${i.passes}${i.outcome && !i.ended ? ` · last: ${i.outcome}` : ''}`,
    `**Log:** \`npm run log -- --user ${i.engageUserId}${tenantFlag}\``,
  ];
  return lines.join('\n\n');
}

export interface InvitationsDetailsInput {
  runId: string;
  state: 'waiting' | 'sending' | 'done';
  dueAtMs: number;
  sent: number;
  skipped: number;
  /** Set once the batch was cancelled (with how many were dropped). */
  cancelled?: number | undefined;
  tenant?: string | undefined;
}

/** A run's held invitations: when they go, how many went, and how to send or drop them now. */
export function invitationsDetails(i: InvitationsDetailsInput): string {
  const tenantFlag = tenantFlagOf(i.tenant);
  const lines = [`**Invitations of run** \`${i.runId}\``];
  if (i.state === 'waiting')
    lines.push(
      `**Held until** ${isoSecond(i.dueAtMs)}`,
      `Send now: \`npm run sync -- invitations release ${i.runId}${tenantFlag}\` · never send: \`npm run sync -- invitations cancel ${i.runId}${tenantFlag}\``,
    );
  else if (i.state === 'sending')
    lines.push(
      `**Sending:** ${i.sent.toLocaleString('en')} sent, ${i.skipped.toLocaleString('en')} skipped so far`,
      `Stop: \`npm run sync -- invitations cancel ${i.runId}${tenantFlag}\``,
    );
  else
    lines.push(
      i.cancelled !== undefined
        ? `**Outcome:** cancelled — ${i.cancelled.toLocaleString('en')} not sent, ${i.sent.toLocaleString('en')} sent before`
        : `**Outcome:** sent — ${i.sent.toLocaleString('en')} sent, ${i.skipped.toLocaleString('en')} skipped`,
    );
  return lines.join('\n\n');
}

/** The decision's status (as its query answers it) and, once closed, how. */
export interface DecisionDetailsInput extends DecisionStatus {
  /** Once closed: approved / rejected / expired, and by whom. */
  outcome?: string | undefined;
  tenant?: string | undefined;
}

/** A deletion decision: how many wait, until when, and the commands that answer it. */
export function decisionDetails(i: DecisionDetailsInput): string {
  const tenantFlag = tenantFlagOf(i.tenant);
  const lines = [`**Deletion decision** ${i.decisionId}`];
  if (i.state === 'waiting')
    lines.push(
      `**Waiting for an operator:** ${i.held.toLocaleString('en')} deletions held past the deletion budget; unanswered by ${isoSecond(i.expiresAtMs)} they are rejected`,
      `Approve: \`npm run sync -- approve${tenantFlag}\` · reject: \`npm run sync -- reject${tenantFlag}\` (each lists them first)`,
    );
  else if (i.state === 'applying')
    lines.push(
      `**Applying:** ${i.applied.toLocaleString('en')} deleted, ${i.stale.toLocaleString('en')} back in Engage (kept), ${i.held.toLocaleString('en')} to go`,
    );
  else
    lines.push(
      `**Outcome:** ${i.outcome ?? 'closed'} — ${i.applied.toLocaleString('en')} deleted, ${i.stale.toLocaleString('en')} kept`,
    );
  return lines.join('\n\n');
}
