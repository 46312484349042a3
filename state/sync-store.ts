// The sync's own state in PostgreSQL (`sync.*`), behind the engine's port. One part per table group;
// every write is idempotent, so an activity that runs twice (at-least-once) leaves the same state.
import type { Kysely } from 'kysely';
import type { InvitationStatus, SyncDatabase } from '../db/sync-schema';
import type { SyncUserState } from '../domain/types';
import type {
  FailureRow,
  InvitationHolder,
  LocationLink,
  LocationMatchChoice,
  LogEntry,
  NewPendingDeletion,
  PendingDeletion,
  PendingInvitation,
  PlanDifference,
  RunRecord,
  RunRow,
  SaveUserExtra,
  StoredUser,
  SyncStore,
  UserLeaseTake,
} from '../engine/ports';
import { AccessSets } from './access-sets';
import { Deletions } from './deletions';
import { Failures } from './failures';
import { Invitations } from './invitations';
import { LocationMatches } from './location-matches';
import { Locations } from './locations';
import { ProvisioningLog } from './log';
import { PlanReview } from './plan-review';
import { RunRecords } from './run-record';
import { type BeginRunResult, Runs } from './runs';
import { UserLeases } from './user-leases';
import { Users } from './users';

/**
 * One per worker process: its caches (stored and loaded access sets) and group commits (user states,
 * locations) are shared by every activity the worker runs.
 */
export class PgSyncStore implements SyncStore {
  readonly #users: Users;
  readonly #failures: Failures;
  readonly #deletions: Deletions;
  readonly #invitations: Invitations;
  readonly #locations: Locations;
  readonly #matches: LocationMatches;
  readonly #runs: Runs;
  readonly #log: ProvisioningLog;
  readonly #records: RunRecords;
  readonly #leases: UserLeases;
  readonly #review: PlanReview;

  constructor(db: Kysely<SyncDatabase>) {
    this.#users = new Users(db, new AccessSets(db));
    this.#failures = new Failures(db);
    this.#deletions = new Deletions(db);
    this.#invitations = new Invitations(db);
    this.#locations = new Locations(db);
    this.#matches = new LocationMatches(db);
    this.#runs = new Runs(db);
    this.#log = new ProvisioningLog(db);
    this.#records = new RunRecords(db);
    this.#leases = new UserLeases(db);
    this.#review = new PlanReview(db);
  }

  // --- users -------------------------------------------------------------------------------------

  usersInRange(afterId: number | null, upToId: number | null): Promise<Map<number, StoredUser>> {
    return this.#users.inRange(afterId, upToId);
  }

  usersByIds(ids: readonly number[]): Promise<Map<number, StoredUser>> {
    return this.#users.byIds(ids);
  }

  planInputsInRange(afterId: number | null, upToId: number | null): Promise<Map<number, string | null>> {
    return this.#users.planInputsInRange(afterId, upToId);
  }

  stampPlanInputs(stamps: readonly { state: SyncUserState; planInput: string }[]): Promise<void> {
    return this.#users.stampPlanInputs(stamps);
  }

  engageIdOfVisitorUser(visitorUserId: string): Promise<number | null> {
    return this.#users.engageIdOfVisitorUser(visitorUserId);
  }

  saveUser(state: SyncUserState, runId: string, extra?: SaveUserExtra): Promise<void> {
    return this.#users.save(state, runId, extra);
  }

  countLinkedUsers(): Promise<number> {
    return this.#users.countLinked();
  }

  // --- failures and quarantine -------------------------------------------------------------------

  failuresByIds(ids: readonly number[]): Promise<Map<number, FailureRow>> {
    return this.#failures.byIds(ids);
  }

  recordFailure(
    engageUserId: number,
    runId: string,
    codes: string[],
    detail: Record<string, unknown>,
  ): Promise<void> {
    return this.#failures.record(engageUserId, runId, codes, detail);
  }

  clearFailure(engageUserId: number): Promise<void> {
    return this.#failures.clear(engageUserId);
  }

  retryConflictsNow(): Promise<number> {
    return this.#failures.retryConflictsNow();
  }

  // --- deletions held to the end of a run --------------------------------------------------------

  addPendingDeletion(d: NewPendingDeletion): Promise<void> {
    return this.#deletions.add(d);
  }

  pendingDeletions(runId: string, limit: number): Promise<PendingDeletion[]> {
    return this.#deletions.pending(runId, limit);
  }

  countPendingDeletions(runId: string): Promise<number> {
    return this.#deletions.countPending(runId);
  }

  markDeletion(runId: string, engageUserId: number, status: 'applied' | 'rejected' | 'stale'): Promise<void> {
    return this.#deletions.mark(runId, engageUserId, status);
  }

  rejectAllDeletions(runId: string): Promise<number> {
    return this.#deletions.rejectAll(runId);
  }

  // --- delayed invitations -----------------------------------------------------------------------

  pendingInvitations(runId: string, limit: number): Promise<PendingInvitation[]> {
    return this.#invitations.pending(runId, limit);
  }

  countPendingInvitations(runId: string): Promise<number> {
    return this.#invitations.countPending(runId);
  }

  setInvitation(engageUserId: number, status: InvitationStatus, sentAt?: Date | null): Promise<void> {
    return this.#invitations.set(engageUserId, status, sentAt);
  }

  cancelInvitations(runId: string): Promise<number> {
    return this.#invitations.cancel(runId);
  }

  invitationHolders(excludingRunId: string): Promise<InvitationHolder[]> {
    return this.#invitations.holders(excludingRunId);
  }

  moveInvitations(fromRunId: string, toRunId: string): Promise<number> {
    return this.#invitations.move(fromRunId, toRunId);
  }

  // --- locations ---------------------------------------------------------------------------------

  locationMap(): Promise<Map<number, LocationLink>> {
    return this.#locations.map();
  }

  async locationMatches(): Promise<Map<number, LocationMatchChoice>> {
    const all = await this.#matches.all();
    return new Map(
      [...all].map(([id, d]) => [id, { decision: d.decision, visitorLocationId: d.visitorLocationId }]),
    );
  }

  saveLocation(
    engageId: number,
    visitorId: string,
    fingerprint: string,
    status: 'linked' | 'orphaned',
  ): Promise<void> {
    return this.#locations.save(engageId, visitorId, fingerprint, status);
  }

  // --- runs --------------------------------------------------------------------------------------

  beginRun(r: RunRow): Promise<BeginRunResult> {
    return this.#runs.begin(r);
  }

  openRun(r: RunRow): Promise<void> {
    return this.#runs.open(r);
  }

  activeBulkRun(): Promise<{ id: string; workflow_id: string } | undefined> {
    return this.#runs.activeBulk();
  }

  markRunFull(runId: string): Promise<void> {
    return this.#runs.markFull(runId);
  }

  setRunStatus(
    id: string,
    status: string,
    extra?: { counts?: Record<string, number>; reason?: string | null; finished?: boolean },
  ): Promise<void> {
    return this.#runs.setStatus(id, status, extra);
  }

  previousBulkRun(
    excludingRunId: string,
  ): Promise<{ id: string; status: string; reason: string | null } | undefined> {
    return this.#runs.previousBulk(excludingRunId);
  }

  lastFullReconcileAt(): Promise<Date | null> {
    return this.#runs.lastFullReconcileAt();
  }

  runKindAndStart(runId: string): Promise<{ kind: string; startedAt: Date } | undefined> {
    return this.#runs.kindAndStart(runId);
  }

  runOutline(runId: string): Promise<{ kind: string; dryRun: boolean; status: string } | undefined> {
    return this.#runs.outline(runId);
  }

  planDifferences(
    reviewedRunId: string,
    freshRunId: string,
    limit: number,
  ): Promise<{ total: number; first: PlanDifference[] }> {
    return this.#review.differences(reviewedRunId, freshRunId, limit);
  }

  // --- the provisioning log ----------------------------------------------------------------------

  log(entries: readonly LogEntry[]): Promise<void> {
    return this.#log.write(entries);
  }

  // --- what a run recorded -----------------------------------------------------------------------

  recordPage(runId: string, afterId: number | null, processed: number): Promise<void> {
    return this.#records.recordPage(runId, afterId, processed);
  }

  runRecord(runId: string): Promise<RunRecord> {
    return this.#records.record(runId);
  }

  // --- per-user leases ---------------------------------------------------------------------------

  takeUserLease(engageUserId: number, holder: string, ttlMs: number): Promise<UserLeaseTake> {
    return this.#leases.take(engageUserId, holder, ttlMs);
  }

  releaseUserLease(engageUserId: number, holder: string): Promise<void> {
    return this.#leases.release(engageUserId, holder);
  }
}
