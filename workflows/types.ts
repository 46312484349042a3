// Workflow inputs, outputs and progress: ids, cursors and counts only — never names, e-mails or tokens.

import type {
  Counts,
  InvitationPolicy,
  LocationCounts,
  Outcome,
  RunKind,
  RunStatus,
} from '../domain/run-types';

export type {
  Counts,
  InvitationPolicy,
  LocationCounts,
  Outcome,
  PageResult,
  RunKind,
  RunStatus,
} from '../domain/run-types';
export { OUTCOMES } from '../domain/run-types';

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
  /** How long a page works before it returns with the rest of its range (default 4 minutes). */
  pageTimeBudgetMs?: number;
  /**
   * Apply exactly what this dry run planned (its workflow id): before writing anything, a fresh dry
   * run (child `<runId>-check`) must plan every object the same, or the run is refused.
   */
  reviewedPlanRunId?: string;
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
  /** The rest of pages that returned at their time budget, still to do (absent: none). */
  rests?: PageRange[];
}

/** Engage user ids (afterId, upToId]: a page, or the rest of one; null bounds are open. */
export interface PageRange {
  afterId: number | null;
  upToId: number | null;
}

export interface SyncRunResult {
  runId: string;
  status: RunStatus;
  reason?: string;
  counts: Counts;
  locations?: LocationCounts;
  deletions?: {
    pending: number;
    applied: number;
    rejected: number;
    /** Held past the deletion budget for the pending decision (its workflow below). */
    held?: number;
    decisionWorkflowId?: string;
  };
  invitationsWorkflowId?: string;
}

export type Phase =
  | 'starting'
  | 'checking-plan'
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

export interface DeletionDecision {
  approve: boolean;
  by: string;
  note?: string;
}

export interface DeletionDecisionInput {
  decisionId: number;
  /** Unanswered by then, the decision expires as rejected. */
  expiresAtMs: number;
  held?: number;
  /** Set when an approved decision continues as new while applying. */
  approvedBy?: string;
  applied?: number;
  stale?: number;
}

export interface DeletionDecisionResult {
  decisionId: number;
  status: 'approved' | 'rejected' | 'expired';
  applied: number;
  /** Held users who were no longer leavers when applied (back in Engage): kept. */
  stale: number;
  /** Held deletions dropped unapplied (rejected or expired). */
  dropped: number;
}

export interface DecisionStatus {
  decisionId: number;
  state: 'waiting' | 'applying' | 'done';
  held: number;
  expiresAtMs: number;
  applied: number;
  stale: number;
}

export interface ProvisionUserInput {
  engageUserId: number;
  startedBy: string;
  dryRun?: boolean;
  /**
   * Set when an execution continues as new past its cap of passes with a change not yet provisioned:
   * the continued execution's first pass is that change's.
   */
  changePending?: boolean;
}

export interface ProvisionUserResult {
  engageUserId: number;
  runId: string;
  outcome: Outcome;
  passes: number;
  /** The last pass found the id in neither Engage nor the sync state. */
  unknownUser?: true;
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
