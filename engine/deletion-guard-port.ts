// What the deletion guard needs from the sync's state: a budget of deletions shared by every path and
// every worker, and the set of deletions held for one pending operator decision.
import type { BudgetUse } from '../domain/deletion-budget';
import type { PendingDeletion } from './ports';

export type { BudgetUse };

/** Who asked for a deletion: a bulk run, a per-user run, or an operator approving held ones. */
export type DeletionPath = 'run' | 'user' | 'approved';

export type DecisionStatus = 'pending' | 'approved' | 'rejected' | 'expired';

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
   * Holds a run's deletions for the pending decision (opened if none is pending) and takes them off
   * the run's pending list. Idempotent: a user is held once, under the latest run that held them.
   */
  hold(r: {
    runId: string;
    deletions: readonly PendingDeletion[];
    reason: string;
    expiresAt: Date;
  }): Promise<DeletionDecision>;
  /** Which of these users are held now (for the pending decision). */
  whichHeld(engageUserIds: readonly number[]): Promise<Set<number>>;
  /** Drops held deletions of users who are no longer leavers (back in Engage). */
  dropHeld(engageUserIds: readonly number[]): Promise<number>;
  pendingDecision(): Promise<DeletionDecision | undefined>;
  decision(id: number): Promise<DeletionDecision | undefined>;
  heldDeletions(decisionId: number, limit: number): Promise<HeldDeletion[]>;
  /** Takes one held deletion off the decision: applied (recorded on the budget as approved) or stale. */
  releaseHeld(decisionId: number, engageUserId: number, outcome: 'applied' | 'stale'): Promise<void>;
  /** Closes a pending decision; false if it was not pending. Held deletions left are dropped. */
  closeDecision(
    id: number,
    status: Exclude<DecisionStatus, 'pending'>,
    by: string,
  ): Promise<{ closed: boolean; dropped: number }>;
}
