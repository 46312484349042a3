// Workflow inputs, outputs and progress: ids, cursors and counts only — never names, e-mails or tokens.

export type RunKind = 'initial' | 'daily' | 'user';

/** When the "Join your team" e-mail goes to users a run creates. */
export type InvitationPolicy = { mode: 'send' } | { mode: 'delay'; delayMs: number } | { mode: 'disabled' };

/** What happened to one user in a run (also the outcomes the provisioning log records). */
export const OUTCOMES = [
  'created',
  'adopted',
  'updated',
  'reactivated',
  'unchanged',
  'deleted',
  'deactivated',
  'skipped',
  'quarantined',
  'failed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type Counts = Partial<
  Record<Outcome | 'invited' | 'invitationsPending' | 'planned' | 'pendingDeletion' | 'writeFailures', number>
>;

export interface LocationCounts {
  created: number;
  updated: number;
  unchanged: number;
  orphaned: number;
  /** Refused by Visitor (logged with the reason); the run goes on without them. */
  failed: number;
}

export interface SyncRunInput {
  kind: 'initial' | 'daily';
  /** Who started it: "schedule", "cli:<user>", "demo", … */
  startedBy: string;
  dryRun?: boolean;
  /** Also read Visitor's side and correct drift made by hand. */
  full?: boolean;
  /** Initial sync: chosen per run. Unset (daily runs): the configured default. */
  invitations?: InvitationPolicy;
  /** Users per page activity; unset → configured. */
  pageSize?: number;
  /** Continue as new once the history passes this many events (default 4,000, well under Temporal's 10k warning). */
  historyBudget?: number;
  /** Set when the run continues as new. */
  carry?: SyncRunCarry;
}

export interface SyncRunCarry {
  runId: string;
  startedAtMs: number;
  invitations: InvitationPolicy;
  /** Decided at the start: explicit, or due on the schedule's every-N-days rule. */
  full: boolean;
  defaultLocationId: string;
  locations: LocationCounts;
  /** Upper Engage user ids of the pages; the last page is open-ended. */
  boundaries: number[];
  nextPage: number;
  counts: Counts;
  pagesDone: number;
}

export type RunStatus = 'running' | 'awaiting-approval' | 'completed' | 'failed' | 'stopped' | 'skipped';

export interface SyncRunResult {
  runId: string;
  status: RunStatus;
  reason?: string;
  counts: Counts;
  locations?: LocationCounts;
  deletions?: { pending: number; applied: number; rejected: number };
  invitationsWorkflowId?: string;
}

export type Phase =
  | 'starting'
  | 'locations'
  | 'planning'
  | 'users'
  | 'deletions'
  | 'awaiting-approval'
  | 'invitations'
  | 'finished';

export interface RunProgress {
  runId: string;
  kind: RunKind;
  phase: Phase;
  dryRun: boolean;
  pagesDone: number;
  pagesTotal: number;
  usersProcessed: number;
  counts: Counts;
  startedAt: string;
  elapsedMs: number;
  usersPerSecond: number;
  etaSeconds: number | null;
  deletionsPending?: number;
  reason?: string;
}

export interface PageResult {
  processed: number;
  counts: Counts;
  /** Set when Visitor refused our credentials: the run must stop. */
  fatal?: string;
}

export interface DeletionDecision {
  approve: boolean;
  by: string;
  note?: string;
}

export interface ProvisionUserInput {
  engageUserId: number;
  startedBy: string;
  dryRun?: boolean;
}

export interface ProvisionUserResult {
  engageUserId: number;
  runId: string;
  outcome: Outcome;
  passes: number;
}

export interface InvitationsInput {
  /** The run whose created users wait for their invitation. */
  runId: string;
  dueAtMs: number;
}

export interface InvitationsResult {
  runId: string;
  status: 'sent' | 'cancelled';
  sent: number;
  skipped: number;
  cancelled: number;
}
