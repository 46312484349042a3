// What reconciling one user produced, and how a page adds it up.
import type { IdentityConflictOutcome } from '../domain/identity-conflicts';
import type { Counts, InvitationPolicy, Outcome } from '../domain/run-types';
import type { EngageUser, SyncOptions } from '../domain/types';
import type { LocationContext } from './location-context';
import type { FailureRow, LogEntry, StoredUser } from './ports';
import type { PageLease } from './user-lease';

export interface UserRunContext {
  runId: string;
  dryRun: boolean;
  full: boolean;
  invitations: InvitationPolicy;
  locations: LocationContext;
  options: SyncOptions;
  /** Bulk runs hold deletions until every other change is applied; per-user runs apply them. */
  deferDeletes: boolean;
  now: Date;
  /** Activity attempt (1 = first): transient per-user errors become failures after a few. */
  attempt: number;
  /** Set on the one re-plan after Visitor changed under us; a second surprise is a failure. */
  replanned?: boolean;
  /** A page's: each user it acts on is leased first, and planned again if its state moved. */
  lease?: PageLease;
}

export interface UserInput {
  engageUserId: number;
  engage: EngageUser | null;
  state: StoredUser | null;
  failure?: FailureRow;
  conflict?: IdentityConflictOutcome;
  /** What this user is planned from (domain/plan-input.ts), stored with the state it leads to. */
  planInput?: string;
}

export interface UserResult {
  outcome: Outcome | 'pendingDeletion';
  invited: boolean;
  invitationPending: boolean;
  /** The log entry the caller still has to write (none when the action's entry committed with its state). */
  log: LogEntry | null;
  /** The entry committed with the state it describes (store.saveUser's `log`): written already. */
  logged?: LogEntry;
  /** A write Visitor refused (counts toward the run's stop-early ratio; validation failures don't). */
  writeFailed?: boolean;
  /** Planned unchanged from an input the state does not record yet: the caller records it (in bulk). */
  stampPlanInput?: boolean;
}

export function userResult(
  outcome: UserResult['outcome'],
  log: LogEntry | null,
  extra: Partial<UserResult> = {},
): UserResult {
  return { outcome, invited: false, invitationPending: false, log, ...extra };
}

/** The answers for a user with nothing to write and nothing to log; shared, never changed. */
export const UNCHANGED: UserResult = Object.freeze(userResult('unchanged', null));
export const UNCHANGED_STAMP: UserResult = Object.freeze({ ...UNCHANGED, stampPlanInput: true });

/** Adds one user's result to a page's counts, in place: it runs once per user. */
export function countResult(counts: Counts, r: UserResult): void {
  counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  if (r.invited) counts.invited = (counts.invited ?? 0) + 1;
  if (r.invitationPending) counts.invitationsPending = (counts.invitationsPending ?? 0) + 1;
  if (r.writeFailed) counts.writeFailures = (counts.writeFailures ?? 0) + 1;
}
