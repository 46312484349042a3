// What the deletion guard needs from the sync's state: a budget of deletions shared by every path and
// every worker, and the set of deletions held for one pending operator decision.
import type { BudgetUse } from '../domain/deletion-budget';
import type { PendingDeletion } from './ports';

export type { BudgetUse };

/** Who asked for a deletion: a bulk run, a per-user run, or an operator approving held ones. */
export type DeletionPath = 'run' | 'user' | 'approved';

/** 'applying': approved and being applied; deletions held from then on wait for the next decision. */
export type DecisionStatus = 'pending' | 'applying' | 'approved' | 'rejected' | 'expired';

export interface DeletionDecision {
  id: number;
  status: DecisionStatus;
  openedAt: Date;
  expiresAt: Date;
  /** Deletions held for it now. */
  held: number;
  /** Why the deletions were held (the budget they exceeded). */
  reason: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** Its workflow's id (domain/workflow-ids.ts). */
  workflowId: string;
}

export interface HeldDeletion {
  engageUserId: number;
  visitorUserId: string;
  mode: 'delete' | 'deactivate';
  reason: string;
  heldByRun: string;
}

export interface DeletionGuardStore {
  /**
   * Reserves the budget for these deletions of a run, atomically across workers: `allow` judges the
   * use so far; false reserves nothing. Idempotent: a run's reserved users count once.
   */
  reserve(r: {
    runId: string;
    engageUserIds: readonly number[];
    path: DeletionPath;
    since: Date;
    allow: (use: BudgetUse, adding: number) => boolean;
  }): Promise<{ ok: boolean; use: BudgetUse }>;
  /** The use of the budget since a time, without reserving. */
  budgetUse(since: Date): Promise<BudgetUse>;
  /**
   * Holds a run's deletions for the pending decision (opened, with this reason, if none is pending;
   * `opened` says so) and takes them off the run's pending list. Idempotent: a user is held once,
   * under the latest run that held them.
   */
  hold(r: {
    runId: string;
    deletions: readonly PendingDeletion[];
    reason: string;
    expiresAt: Date;
  }): Promise<DeletionDecision & { opened: boolean }>;
  /** Which of these users are held now (for the pending decision). */
  whichHeld(engageUserIds: readonly number[]): Promise<Set<number>>;
  /** Drops held deletions of users who are no longer leavers (back in Engage). */
  dropHeld(engageUserIds: readonly number[]): Promise<number>;
  pendingDecision(): Promise<DeletionDecision | undefined>;
  /** How many deletions this run holds for the pending decision (a retried attempt's answer). */
  countHeldByRun(runId: string): Promise<number>;
  /**
   * An approved decision starts being applied: it takes no more held deletions, and those held after
   * the approval move to a new pending decision (returned, for its workflow). Idempotent.
   */
  beginApplying(
    id: number,
    r: { by: string; approvedAt: Date; successorExpiresAt: Date },
  ): Promise<{ applying: boolean; successor: DeletionDecision | undefined }>;
  decision(id: number): Promise<DeletionDecision | undefined>;
  heldDeletions(decisionId: number, limit: number): Promise<HeldDeletion[]>;
  /** Takes one held deletion off the decision: applied (recorded on the budget as approved) or stale. */
  releaseHeld(decisionId: number, engageUserId: number, outcome: 'applied' | 'stale'): Promise<void>;
  /**
   * Closes a pending or applying decision; a retry that finds it already closed so says closed. Held
   * deletions left are dropped.
   */
  closeDecision(
    id: number,
    status: Exclude<DecisionStatus, 'pending' | 'applying'>,
    by: string,
  ): Promise<{ closed: boolean; dropped: number }>;
}
