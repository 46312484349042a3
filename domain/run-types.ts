// The vocabulary of a run, shared by the engine, the workflows and the clients: ids and counts only.

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
  /** A deletion past the budget, held for an operator's decision. */
  'held',
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
  /** Existing Visitor locations adopted by an operator's match (the HQ, Visitor's default). */
  matched: number;
  /** Engage locations that look like an existing Visitor location: not created until an operator decides. */
  awaitingMatch: number;
  orphaned: number;
  /** Refused by Visitor (logged with the reason); the run goes on without them. */
  failed: number;
}

export type RunStatus =
  | 'running'
  | 'awaiting-approval'
  | 'completed'
  | 'failed'
  | 'stopped'
  | 'skipped'
  /** Cancelled from the Temporal UI (or the API): its end recorded, its invitations handed over. */
  | 'cancelled';

export interface PageResult {
  processed: number;
  counts: Counts;
  /** Set when the page stopped the run (Visitor refuses most writes): the reason. */
  fatal?: string;
  /**
   * Set when the page returned at its time budget with users left: every user up to this Engage id
   * is done, the rest of the range is still to do (from here, exclusive).
   */
  resumeAfterId?: number;
}
