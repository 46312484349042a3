// What the reconcile engine needs from the world, as small interfaces: the Engage source, the Visitor
// target, the sync's own state, a clock, and a progress hook. Production binds them to PostgreSQL,
// the SCIM client and the Temporal activity context (workers/deps.ts, activities/); tests bind fakes.
import type { SyncSettings } from '../config/service';
import type { InvitationStatus, LogTable } from '../db/sync-schema';
import type { SyncUserState } from '../domain/types';
import type { EngageReader } from '../engage/reader';
import type { VisitorScimClient } from '../scim/client';

/** The Engage reads the engine makes (engage/reader.ts). */
export type EngageSource = Pick<
  EngageReader,
  | 'usersPage'
  | 'userDigests'
  | 'usersByIds'
  | 'userById'
  | 'allActiveLocations'
  | 'countUsers'
  | 'identityConflicts'
  | 'pageBoundaries'
>;

/** The Visitor SCIM calls the engine makes (scim/client.ts). */
export type VisitorTarget = Pick<
  VisitorScimClient,
  | 'createUser'
  | 'getUser'
  | 'findUserByExternalId'
  | 'findUserByUserName'
  | 'listUsers'
  | 'patchUser'
  | 'deleteUser'
  | 'sendInvitation'
  | 'listLocations'
  | 'createLocation'
  | 'patchLocation'
>;

export interface StoredUser extends SyncUserState {
  invitationStatus: InvitationStatus;
  /** What this state was planned from (domain/plan-input.ts); null = unknown. */
  planInput: string | null;
  /** The state row's version when read (opaque; changes with every write): a lease compares it. */
  version?: string;
}

export interface FailureRow {
  engageUserId: number;
  failureCount: number;
  lastFailedAt: Date;
  nextAttemptAt: Date;
}

/** One row of the provisioning log (build them with engine/log-entries.ts). */
export type LogEntry = Omit<LogTable, 'id' | 'at' | 'detail'> & { detail?: Record<string, unknown> | null };

/** A deletion a bulk run holds until everything else is applied. */
export interface NewPendingDeletion {
  runId: string;
  engageUserId: number;
  visitorUserId: string;
  mode: 'delete' | 'deactivate';
  reason: string;
}

export interface PendingDeletion {
  run_id: string;
  engage_user_id: number;
  visitor_user_id: string;
  mode: string;
  reason: string;
}

export interface PendingInvitation {
  engage_user_id: number;
  visitor_user_id: string | null;
  deprovisioned: boolean;
}

/** A run holding pending invitations, with its run record when it has one (engine/orphaned-invitations.ts). */
export interface InvitationHolder {
  runId: string;
  workflowId: string | null;
  status: string | null;
  pending: number;
}

export interface LocationLink {
  visitorId: string;
  fingerprint: string;
  status: string;
}

/** An operator's decision on a Visitor location that existed before the sync (state/location-matches.ts). */
export interface LocationMatchChoice {
  decision: 'match' | 'separate';
  visitorLocationId: string | null;
}

/** One object a fresh plan treats otherwise than the reviewed one (state/plan-review.ts). */
export interface PlanDifference {
  objectType: 'user' | 'location';
  engageId: number;
  /** The planned actions, in the reviewed plan and now (empty: none). */
  reviewed: string[];
  now: string[];
  change: 'not in the reviewed plan' | 'no longer planned' | 'another action' | 'what it writes changed';
}

export interface RunRow {
  id: string;
  kind: string;
  workflowId: string;
  startedBy: string;
  dryRun: boolean;
}

export interface SaveUserExtra {
  createdByRun?: string;
  invitation?: {
    status: InvitationStatus;
    runId?: string | null;
    dueAt?: Date | null;
    sentAt?: Date | null;
  };
  /** What the state was planned from; left out, the state's input is unknown (re-planned). */
  planInput?: string | undefined;
  /**
   * The provisioning-log entry of the action this state records: committed with it (one statement),
   * so no crash keeps the state and loses the entry.
   */
  log?: LogEntry;
}

/** What a run recorded, from which its counts are derived (engine/run-counts.ts). */
export interface RunRecord {
  /** Users of the ranges its pages finished (recordPage); null when no page recorded one. */
  processed: number | null;
  /** Each user's newest log row of the run (invitation sends aside), counted by kind. */
  outcomes: { action: string; outcome: string; invited: boolean; invitation: string | null; n: number }[];
  /** Deletions the run's pages held to its end (any status). */
  heldDeletions: number;
  /** Of those, the users without a log row of the run (not counted among `outcomes`). */
  heldNotLogged: number;
  /** Of those, the deletions the deletion guard held for an operator's decision. */
  heldForDecision: number;
}

/** A user's lease for one holder, and the version of the user's state row at that moment. */
export interface UserLeaseTake {
  taken: boolean;
  /** null: no state row. */
  version: string | null;
}

/** The sync's own state (state/): every write idempotent, so a repeated activity leaves the same state. */
export interface SyncStore {
  // users
  usersInRange(afterId: number | null, upToId: number | null): Promise<Map<number, StoredUser>>;
  usersByIds(ids: readonly number[]): Promise<Map<number, StoredUser>>;
  planInputsInRange(afterId: number | null, upToId: number | null): Promise<Map<number, string | null>>;
  stampPlanInputs(stamps: readonly { state: SyncUserState; planInput: string }[]): Promise<void>;
  engageIdOfVisitorUser(visitorUserId: string): Promise<number | null>;
  saveUser(state: SyncUserState, runId: string, extra?: SaveUserExtra): Promise<void>;
  countLinkedUsers(): Promise<number>;
  // failures and quarantine
  failuresByIds(ids: readonly number[]): Promise<Map<number, FailureRow>>;
  recordFailure(
    engageUserId: number,
    runId: string,
    codes: string[],
    detail: Record<string, unknown>,
  ): Promise<void>;
  clearFailure(engageUserId: number): Promise<void>;
  /** Users in back-off for a Visitor conflict are tried on the next run (a deletion freed a name). */
  retryConflictsNow(): Promise<number>;
  // deletions held to the end of a run
  addPendingDeletion(d: NewPendingDeletion): Promise<void>;
  pendingDeletions(runId: string, limit: number): Promise<PendingDeletion[]>;
  countPendingDeletions(runId: string): Promise<number>;
  markDeletion(runId: string, engageUserId: number, status: 'applied' | 'rejected' | 'stale'): Promise<void>;
  rejectAllDeletions(runId: string): Promise<number>;
  // delayed invitations
  pendingInvitations(runId: string, limit: number): Promise<PendingInvitation[]>;
  countPendingInvitations(runId: string): Promise<number>;
  setInvitation(engageUserId: number, status: InvitationStatus, sentAt?: Date | null): Promise<void>;
  cancelInvitations(runId: string): Promise<number>;
  /** The runs other than `excludingRunId` that hold pending invitations. */
  invitationHolders(excludingRunId: string): Promise<InvitationHolder[]>;
  /** Hands `fromRunId`'s pending invitations to `toRunId`; how many moved. */
  moveInvitations(fromRunId: string, toRunId: string): Promise<number>;
  // locations
  locationMap(): Promise<Map<number, LocationLink>>;
  /** The operator's location match decisions, by Engage location id. */
  locationMatches(): Promise<Map<number, LocationMatchChoice>>;
  saveLocation(
    engageId: number,
    visitorId: string,
    fingerprint: string,
    status: 'linked' | 'orphaned',
  ): Promise<void>;
  // runs
  /** Takes the one-active-bulk-run lock; idempotent for the same run id. */
  beginRun(r: RunRow): Promise<{ ok: true } | { ok: false; activeRunId: string; activeWorkflowId: string }>;
  /** Records a run that takes no lock (dry runs, per-user runs); idempotent. */
  openRun(r: RunRow): Promise<void>;
  activeBulkRun(): Promise<{ id: string; workflow_id: string } | undefined>;
  markRunFull(runId: string): Promise<void>;
  setRunStatus(
    id: string,
    status: string,
    extra?: { counts?: Record<string, number>; reason?: string | null; finished?: boolean },
  ): Promise<void>;
  /** The latest finished bulk run other than this one. */
  previousBulkRun(
    excludingRunId: string,
  ): Promise<{ id: string; status: string; reason: string | null } | undefined>;
  /** When the last completed full reconcile (or initial sync) started; null if none did. */
  lastFullReconcileAt(): Promise<Date | null>;
  runKindAndStart(runId: string): Promise<{ kind: string; startedAt: Date } | undefined>;
  /** A run's kind, whether it was dry, and its status; undefined when there is no such run. */
  runOutline(runId: string): Promise<{ kind: string; dryRun: boolean; status: string } | undefined>;
  /** Objects two dry runs planned differently (a reviewed plan against a fresh one). */
  planDifferences(
    reviewedRunId: string,
    freshRunId: string,
    limit: number,
  ): Promise<{ total: number; first: PlanDifference[] }>;
  // the provisioning log
  log(entries: readonly LogEntry[]): Promise<void>;
  // what a run recorded (its counts derive from it)
  /** How many users the page over (afterId, …] held; the attempt that finishes the page records it. */
  recordPage(runId: string, afterId: number | null, processed: number): Promise<void>;
  runRecord(runId: string): Promise<RunRecord>;
  // per-user leases: one holder acts on a user at a time
  /** Takes the lease when free, expired or already this holder's (then extended). */
  takeUserLease(engageUserId: number, holder: string, ttlMs: number): Promise<UserLeaseTake>;
  releaseUserLease(engageUserId: number, holder: string): Promise<void>;
}

/** Watches the work of one activity attempt: progress out, cancellation in. */
export interface Progress {
  /** Work advanced; the engine calls it at most about once a second. */
  beat(details: unknown): void;
  /** Aborted when the work should stop (cancelled, timed out, worker shutting down). */
  readonly signal: AbortSignal;
}

/** Keeps the attempts of one activity from writing side by side (engine/attempt-fence.ts). */
export interface AttemptFences {
  /**
   * Waits until no other attempt holds `key` (beating `onWait` meanwhile), then holds it for `token`.
   * Null when an attempt with a larger token claimed it first: this one is superseded.
   */
  claim(
    key: string,
    token: number,
    wait: { signal: AbortSignal; onWait(): void },
  ): Promise<FenceLease | null>;
}

export interface FenceLease {
  /** False once the hold is lost (released, or its database session ended). */
  holds(): Promise<boolean>;
  release(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface EngineMetrics {
  outcomes(counts: Record<string, number | undefined>): void;
  runFinished(kind: string, status: string, durationMs: number): void;
}

/** Everything the engine is handed, once per worker process. */
export interface EngineDeps {
  engage: EngageSource;
  visitor: VisitorTarget;
  store: SyncStore;
  settings: SyncSettings;
  /** Requests to Visitor in flight per page (the client still bounds them). */
  concurrency: number;
  /** Visitor's rate limit (requests per second, the deployment's total), when one is set. */
  requestRate?: number | undefined;
  clock: Clock;
  /**
   * Whether the workflow holding a run lock still runs; absent, a lock is never taken over. Only a
   * definite "not running" may free it: an error must be thrown, not answered false.
   */
  workflowIsRunning?: (workflowId: string) => Promise<boolean>;
  /** Absent (tests over fakes), attempts are not fenced. */
  fences?: AttemptFences;
  metrics?: EngineMetrics;
}
