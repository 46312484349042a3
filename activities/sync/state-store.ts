// All reads and writes of the sync's own state (`sync.*`). Every write is idempotent, so an activity
// that runs twice (at-least-once) leaves the same state.
import { createHash } from 'node:crypto';
import { type Insertable, type Kysely, sql } from 'kysely';
import type { InvitationStatus, LogTable, SyncDatabase } from '../../db/sync-schema';
import type { DesiredVisitorUser, Role, SyncUserState } from '../../domain/types';
import { WriteCoalescer } from './write-coalescer';

export interface StoredUser extends SyncUserState {
  invitationStatus: InvitationStatus;
  /** What this state was planned from (domain/plan-input.ts); null = unknown. */
  planInput: string | null;
}

export type LogEntry = Omit<LogTable, 'id' | 'at' | 'detail'> & { detail?: Record<string, unknown> | null };

export interface FailureRow {
  engageUserId: number;
  failureCount: number;
  lastFailedAt: Date;
  nextAttemptAt: Date;
}

/** Consecutive failures before back-off starts, and its growth (capped). */
const QUARANTINE_AFTER = 3;
const BACKOFF_BASE_MS = 86_400_000;
const BACKOFF_MAX_MS = 7 * 86_400_000;

export function nextAttemptDelayMs(failureCount: number): number {
  if (failureCount < QUARANTINE_AFTER) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failureCount - QUARANTINE_AFTER));
}

/**
 * How long a state save waits for others to share its statement. A run keeps far more users in
 * flight than Visitor requests (pages × pool width), so a few ms more per user costs no throughput,
 * while the batches grow from ~6 to dozens of rows (bench/NOTES.md).
 */
const WRITE_LINGER_MS = 25;

export class StateStore {
  /** Access sets known to be stored, and the ones loaded (shared objects: planning memoises on them). */
  private readonly storedSets = new Set<string>();
  private readonly loadedSets = new Map<string, Record<string, Role>>();
  private readonly digests = new WeakMap<Record<string, Role>, string>();

  /** State saves of concurrent users go to PostgreSQL together (group commit, write-coalescer.ts). */
  private readonly userWrites = new WriteCoalescer<Insertable<SyncDatabase['sync.users']>>({
    key: (row) => row.engage_user_id,
    shape: (row) => Object.keys(row).join(','),
    write: (rows) => this.upsertUsers(rows),
    lingerMs: WRITE_LINGER_MS,
  });
  /** An initial sync links 500 locations side by side: the same group commit. */
  private readonly locationWrites = new WriteCoalescer<Insertable<SyncDatabase['sync.locations']>>({
    key: (row) => row.engage_location_id,
    shape: () => 'link',
    write: (rows) => this.upsertLocations(rows),
    lingerMs: WRITE_LINGER_MS,
  });

  constructor(readonly db: Kysely<SyncDatabase>) {}

  // --- access sets: each distinct owned-access set is stored once ---------------------------------

  /** Stores the set if new (idempotent) and returns its digest. */
  private async accessSetDigest(access: Record<string, Role>): Promise<string> {
    let digest = this.digests.get(access);
    if (digest === undefined) {
      const json = JSON.stringify(Object.entries(access).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const computed = createHash('sha256').update(json).digest('hex');
      this.digests.set(access, computed);
      digest = computed;
    }
    if (!this.storedSets.has(digest)) {
      await this.db
        .insertInto('sync.access_sets')
        .values({ digest, access: JSON.stringify(access) })
        .onConflict((oc) => oc.column('digest').doNothing())
        .execute();
      this.storedSets.add(digest);
    }
    return digest;
  }

  private async accessSets(digests: Iterable<string>): Promise<Map<string, Record<string, Role>>> {
    const missing = [...new Set(digests)].filter((d) => !this.loadedSets.has(d));
    if (missing.length > 0) {
      if (this.loadedSets.size > 10_000) this.loadedSets.clear();
      const rows = await this.db
        .selectFrom('sync.access_sets')
        .select(['digest', 'access'])
        .where('digest', 'in', missing)
        .execute();
      for (const r of rows) {
        this.loadedSets.set(r.digest, r.access);
        this.digests.set(r.access, r.digest);
        this.storedSets.add(r.digest);
      }
    }
    return this.loadedSets;
  }

  // --- users ---------------------------------------------------------------------------------------

  async usersInRange(afterId: number | null, upToId: number | null): Promise<Map<number, StoredUser>> {
    const rows = await this.db
      .selectFrom('sync.users')
      .select(USER_COLUMNS)
      .$if(afterId !== null, (q) => q.where('engage_user_id', '>', afterId!))
      .$if(upToId !== null, (q) => q.where('engage_user_id', '<=', upToId!))
      .execute();
    return this.toStoredMap(rows);
  }

  /** The plan input stored with each user state in the range (null = unknown). */
  async planInputsInRange(
    afterId: number | null,
    upToId: number | null,
  ): Promise<Map<number, string | null>> {
    const rows = await this.db
      .selectFrom('sync.users')
      .select(['engage_user_id', 'plan_input'])
      .$if(afterId !== null, (q) => q.where('engage_user_id', '>', afterId!))
      .$if(upToId !== null, (q) => q.where('engage_user_id', '<=', upToId!))
      .execute();
    return new Map(rows.map((r) => [r.engage_user_id, r.plan_input]));
  }

  /**
   * Records the plan input of users whose state a run planned "unchanged" from it, in one statement.
   * Only where the state is still the one planned (same fingerprint, link and deprovisioned flag): a
   * state saved meanwhile by another run keeps what that run recorded.
   */
  async stampPlanInputs(stamps: readonly { state: SyncUserState; planInput: string }[]): Promise<void> {
    if (stamps.length === 0) return;
    const col = <T>(f: (s: (typeof stamps)[number]) => T) => stamps.map(f);
    await sql`
      update sync.users u set plan_input = v.plan_input
      from unnest(${col((s) => s.state.engageUserId)}::int[], ${col((s) => s.planInput)}::text[],
                  ${col((s) => s.state.fingerprint)}::text[], ${col((s) => s.state.visitorUserId)}::text[],
                  ${col((s) => s.state.deprovisioned)}::bool[])
        as v(engage_user_id, plan_input, fingerprint, visitor_user_id, deprovisioned)
      where u.engage_user_id = v.engage_user_id and u.fingerprint = v.fingerprint
        and u.visitor_user_id is not distinct from v.visitor_user_id and u.deprovisioned = v.deprovisioned
        and u.plan_input is distinct from v.plan_input`.execute(this.db);
  }

  async usersByIds(ids: readonly number[]): Promise<Map<number, StoredUser>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('sync.users')
      .select(USER_COLUMNS)
      .where('engage_user_id', 'in', [...ids])
      .execute();
    return this.toStoredMap(rows);
  }

  /** The Engage user the sync links to this Visitor user, if any. */
  async engageIdOfVisitorUser(visitorUserId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('sync.users')
      .select('engage_user_id')
      .where('visitor_user_id', '=', visitorUserId)
      .executeTakeFirst();
    return row?.engage_user_id ?? null;
  }

  async saveUser(
    state: SyncUserState,
    runId: string,
    extra: {
      createdByRun?: string;
      invitation?: {
        status: InvitationStatus;
        runId?: string | null;
        dueAt?: Date | null;
        sentAt?: Date | null;
      };
      /** What the state was planned from; left out, the state's input is unknown (re-planned). */
      planInput?: string;
    } = {},
  ): Promise<void> {
    const values = {
      engage_user_id: state.engageUserId,
      visitor_user_id: state.visitorUserId,
      user_name: state.userName,
      attributes: JSON.stringify(state.attributes),
      owned_access_digest: await this.accessSetDigest(state.ownedAccess),
      fingerprint: state.fingerprint,
      deprovisioned: state.deprovisioned,
      plan_input: extra.planInput ?? null,
      last_run_id: runId,
      updated_at: new Date(),
      ...(extra.createdByRun ? { created_by_run: extra.createdByRun } : {}),
      ...(extra.invitation
        ? {
            invitation_status: extra.invitation.status,
            invitation_run_id: extra.invitation.runId ?? null,
            invitation_due_at: extra.invitation.dueAt ?? null,
            invitation_sent_at: extra.invitation.sentAt ?? null,
          }
        : {}),
    };
    await this.userWrites.write(values);
  }

  /** One upsert of rows with the same columns and distinct ids. */
  private async upsertUsers(rows: Insertable<SyncDatabase['sync.users']>[]): Promise<void> {
    const columns = Object.keys(rows[0]!).filter((k) => k !== 'engage_user_id');
    // Rows in id order: two workers upserting overlapping ids then lock them in the same order.
    const ordered = [...rows].sort((a, b) => a.engage_user_id - b.engage_user_id);
    await this.db
      .insertInto('sync.users')
      .values(ordered)
      .onConflict((oc) =>
        oc.column('engage_user_id').doUpdateSet(({ ref }) => {
          const set: Record<string, unknown> = {};
          for (const k of columns) set[k] = ref(`excluded.${k}` as never);
          return set;
        }),
      )
      .execute();
  }

  private async toStoredMap(rows: UserRow[]): Promise<Map<number, StoredUser>> {
    const sets = await this.accessSets(rows.map((r) => r.owned_access_digest));
    const out = new Map<number, StoredUser>();
    for (const r of rows) {
      const owned = sets.get(r.owned_access_digest);
      if (!owned) throw new Error(`sync state is missing access set ${r.owned_access_digest}`);
      out.set(r.engage_user_id, toStored(r, owned));
    }
    return out;
  }

  // --- failures and quarantine -------------------------------------------------------------------

  async failuresByIds(ids: readonly number[]): Promise<Map<number, FailureRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('sync.user_failures')
      .select(['engage_user_id', 'failure_count', 'last_failed_at', 'next_attempt_at'])
      .where('engage_user_id', 'in', [...ids])
      .execute();
    return new Map(
      rows.map((r) => [
        r.engage_user_id,
        {
          engageUserId: r.engage_user_id,
          failureCount: r.failure_count,
          lastFailedAt: r.last_failed_at,
          nextAttemptAt: r.next_attempt_at,
        },
      ]),
    );
  }

  /** Records one more consecutive failure; a retry of the same run's attempt does not count twice. */
  async recordFailure(
    engageUserId: number,
    runId: string,
    codes: string[],
    detail: Record<string, unknown>,
  ): Promise<void> {
    await sql`
      INSERT INTO sync.user_failures (engage_user_id, codes, detail, failure_count, last_run_id, last_failed_at, next_attempt_at)
      VALUES (${engageUserId}, ${codes}, ${JSON.stringify(detail)}::jsonb, 1, ${runId}, now(), now())
      ON CONFLICT (engage_user_id) DO UPDATE SET
        codes = excluded.codes,
        detail = excluded.detail,
        failure_count = sync.user_failures.failure_count + CASE WHEN sync.user_failures.last_run_id = excluded.last_run_id THEN 0 ELSE 1 END,
        last_run_id = excluded.last_run_id,
        last_failed_at = now()`.execute(this.db);
    const row = await this.db
      .selectFrom('sync.user_failures')
      .select('failure_count')
      .where('engage_user_id', '=', engageUserId)
      .executeTakeFirst();
    const delay = nextAttemptDelayMs(row?.failure_count ?? 1);
    await this.db
      .updateTable('sync.user_failures')
      .set({ next_attempt_at: new Date(Date.now() + delay) })
      .where('engage_user_id', '=', engageUserId)
      .execute();
  }

  async clearFailure(engageUserId: number): Promise<void> {
    await this.db.deleteFrom('sync.user_failures').where('engage_user_id', '=', engageUserId).execute();
  }

  // --- deletions held until the end of a run ----------------------------------------------------

  async addPendingDeletion(d: {
    runId: string;
    engageUserId: number;
    visitorUserId: string;
    mode: string;
    reason: string;
  }) {
    await this.db
      .insertInto('sync.pending_deletions')
      .values({
        run_id: d.runId,
        engage_user_id: d.engageUserId,
        visitor_user_id: d.visitorUserId,
        mode: d.mode,
        reason: d.reason,
      })
      .onConflict((oc) => oc.columns(['run_id', 'engage_user_id']).doNothing())
      .execute();
  }

  async pendingDeletions(runId: string, limit: number) {
    return this.db
      .selectFrom('sync.pending_deletions')
      .selectAll()
      .where('run_id', '=', runId)
      .where('status', '=', 'pending')
      .orderBy('engage_user_id')
      .limit(limit)
      .execute();
  }

  async countPendingDeletions(runId: string): Promise<number> {
    const r = await this.db
      .selectFrom('sync.pending_deletions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('run_id', '=', runId)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async markDeletion(runId: string, engageUserId: number, status: 'applied' | 'rejected' | 'stale') {
    await this.db
      .updateTable('sync.pending_deletions')
      .set({ status })
      .where('run_id', '=', runId)
      .where('engage_user_id', '=', engageUserId)
      .execute();
  }

  async rejectAllDeletions(runId: string): Promise<number> {
    const r = await this.db
      .updateTable('sync.pending_deletions')
      .set({ status: 'rejected' })
      .where('run_id', '=', runId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async countLinkedUsers(): Promise<number> {
    const r = await this.db
      .selectFrom('sync.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('visitor_user_id', 'is not', null)
      .where('deprovisioned', '=', false)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // --- invitations -------------------------------------------------------------------------------

  async pendingInvitations(runId: string, limit: number) {
    return this.db
      .selectFrom('sync.users')
      .select(['engage_user_id', 'visitor_user_id', 'deprovisioned'])
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', runId)
      .orderBy('engage_user_id')
      .limit(limit)
      .execute();
  }

  async countPendingInvitations(runId: string): Promise<number> {
    const r = await this.db
      .selectFrom('sync.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', runId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async setInvitation(engageUserId: number, status: InvitationStatus, sentAt: Date | null = null) {
    await this.db
      .updateTable('sync.users')
      .set({ invitation_status: status, ...(sentAt ? { invitation_sent_at: sentAt } : {}) })
      .where('engage_user_id', '=', engageUserId)
      .execute();
  }

  async cancelInvitations(runId: string): Promise<number> {
    const r = await this.db
      .updateTable('sync.users')
      .set({ invitation_status: 'cancelled' })
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', runId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  // --- locations ---------------------------------------------------------------------------------

  async locationMap(): Promise<Map<number, { visitorId: string; fingerprint: string; status: string }>> {
    const rows = await this.db.selectFrom('sync.locations').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.engage_location_id,
        { visitorId: r.visitor_location_id, fingerprint: r.fingerprint, status: r.status },
      ]),
    );
  }

  async saveLocation(
    engageId: number,
    visitorId: string,
    fingerprint: string,
    status: 'linked' | 'orphaned',
  ) {
    await this.locationWrites.write({
      engage_location_id: engageId,
      visitor_location_id: visitorId,
      fingerprint,
      status,
      updated_at: new Date(),
    });
  }

  /** One upsert of location links with distinct Engage ids. */
  private async upsertLocations(rows: Insertable<SyncDatabase['sync.locations']>[]): Promise<void> {
    await this.db
      .insertInto('sync.locations')
      .values([...rows].sort((a, b) => a.engage_location_id - b.engage_location_id))
      .onConflict((oc) =>
        oc.column('engage_location_id').doUpdateSet(({ ref }) => ({
          visitor_location_id: ref('excluded.visitor_location_id'),
          fingerprint: ref('excluded.fingerprint'),
          status: ref('excluded.status'),
          updated_at: ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  // --- runs ---------------------------------------------------------------------------------------

  /** Inserts the run as running; null when another bulk run holds the one-active-run index. */
  async beginRun(r: {
    id: string;
    kind: string;
    workflowId: string;
    startedBy: string;
    dryRun: boolean;
  }): Promise<{ ok: true } | { ok: false; activeRunId: string; activeWorkflowId: string }> {
    try {
      await this.db
        .insertInto('sync.runs')
        .values({
          id: r.id,
          kind: r.kind,
          status: 'running',
          workflow_id: r.workflowId,
          started_by: r.startedBy,
          dry_run: r.dryRun,
        })
        // A retried beginRun of the same run is a no-op.
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return { ok: true };
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      const active = await this.activeBulkRun();
      if (!active) throw err;
      return { ok: false, activeRunId: active.id, activeWorkflowId: active.workflow_id };
    }
  }

  async activeBulkRun() {
    return this.db
      .selectFrom('sync.runs')
      .select(['id', 'workflow_id', 'kind', 'started_at'])
      .where('status', 'in', ['running', 'awaiting-approval'])
      .where('kind', 'in', ['initial', 'daily'])
      .executeTakeFirst();
  }

  async setRunStatus(
    id: string,
    status: string,
    extra: { counts?: Record<string, number>; reason?: string | null; finished?: boolean } = {},
  ) {
    await this.db
      .updateTable('sync.runs')
      .set({
        status,
        ...(extra.counts ? { counts: JSON.stringify(extra.counts) } : {}),
        ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
        ...(extra.finished ? { finished_at: new Date() } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  // --- the provisioning log ----------------------------------------------------------------------

  /** A log entry about the run as a whole (an operator decision, a cancelled batch). */
  async logRunEvent(
    runId: string,
    action: string,
    outcome: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.log([
      {
        run_id: runId,
        object_type: 'run',
        engage_id: null,
        visitor_id: null,
        user_name: null,
        action,
        outcome,
        attributes: null,
        duration_ms: null,
        detail,
      },
    ]);
  }

  async log(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto('sync.log')
      .values(entries.map((e) => ({ ...e, detail: e.detail ? JSON.stringify(e.detail) : null })))
      .execute();
  }
}

const USER_COLUMNS = [
  'engage_user_id',
  'visitor_user_id',
  'user_name',
  'attributes',
  'owned_access_digest',
  'fingerprint',
  'deprovisioned',
  'invitation_status',
  'plan_input',
] as const;

interface UserRow {
  engage_user_id: number;
  visitor_user_id: string | null;
  user_name: string;
  attributes: DesiredVisitorUser;
  owned_access_digest: string;
  fingerprint: string;
  deprovisioned: boolean;
  invitation_status: InvitationStatus;
  plan_input: string | null;
}

function toStored(r: UserRow, owned: Record<string, Role>): StoredUser {
  return {
    engageUserId: r.engage_user_id,
    visitorUserId: r.visitor_user_id,
    userName: r.user_name,
    attributes: r.attributes,
    ownedAccess: owned,
    fingerprint: r.fingerprint,
    deprovisioned: r.deprovisioned,
    invitationStatus: r.invitation_status,
    planInput: r.plan_input,
  };
}
