// The sync's memory of each Engage user (sync.users): the Visitor user it is linked to, what the sync
// last wrote and owns, and what that state was planned from.
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { SyncDatabase, UsersTable } from '../db/sync-schema';
import type { SyncUserState } from '../domain/types';
import type { LogEntry, SaveUserExtra, StoredUser } from '../engine/ports';
import type { AccessSet, AccessSets } from './access-sets';
import { logRow } from './log';
import { WRITE_LINGER_MS, WriteCoalescer } from './write-coalescer';

type UserInsert = Insertable<SyncDatabase['sync.users']>;
/** A state to save and, when it records an action, that action's log entry (same statement). */
type UserWrite = { row: UserInsert; log: LogEntry | undefined };

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

type UserRow = Pick<Selectable<UsersTable>, (typeof USER_COLUMNS)[number]> & { version: string };

/** The row's version: PostgreSQL's xmin changes with every write of the row (optimistic concurrency). */
const VERSION = sql<string>`xmin::text`.as('version');

export class Users {
  readonly #db: Kysely<SyncDatabase>;
  readonly #accessSets: AccessSets;
  /** State saves of concurrent users go to PostgreSQL together (group commit, write-coalescer.ts). */
  readonly #writes = new WriteCoalescer<UserWrite>({
    key: (w) => w.row.engage_user_id,
    shape: (w) => Object.keys(w.row).join(','),
    write: (writes) => this.#upsert(writes),
    lingerMs: WRITE_LINGER_MS,
  });

  constructor(db: Kysely<SyncDatabase>, accessSets: AccessSets) {
    this.#db = db;
    this.#accessSets = accessSets;
  }

  /** The states of Engage ids in (afterId, upToId]; null bounds are open. */
  async inRange(afterId: number | null, upToId: number | null): Promise<Map<number, StoredUser>> {
    const rows = await this.#db
      .selectFrom('sync.users')
      .select([...USER_COLUMNS, VERSION])
      .$if(afterId !== null, (q) => q.where('engage_user_id', '>', afterId!))
      .$if(upToId !== null, (q) => q.where('engage_user_id', '<=', upToId!))
      .execute();
    return this.#toStored(rows);
  }

  async byIds(ids: readonly number[]): Promise<Map<number, StoredUser>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('sync.users')
      .select([...USER_COLUMNS, VERSION])
      .where('engage_user_id', 'in', [...ids])
      .execute();
    return this.#toStored(rows);
  }

  /** The plan input stored with each user state in the range (null = unknown). */
  async planInputsInRange(
    afterId: number | null,
    upToId: number | null,
  ): Promise<Map<number, string | null>> {
    const rows = await this.#db
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
      update ${sql.table('sync.users')} u set plan_input = v.plan_input
      from unnest(${col((s) => s.state.engageUserId)}::int[], ${col((s) => s.planInput)}::text[],
                  ${col((s) => s.state.fingerprint)}::text[], ${col((s) => s.state.visitorUserId)}::text[],
                  ${col((s) => s.state.deprovisioned)}::bool[])
        as v(engage_user_id, plan_input, fingerprint, visitor_user_id, deprovisioned)
      where u.engage_user_id = v.engage_user_id and u.fingerprint = v.fingerprint
        and u.visitor_user_id is not distinct from v.visitor_user_id and u.deprovisioned = v.deprovisioned
        and u.plan_input is distinct from v.plan_input`.execute(this.#db);
  }

  /** The Engage user the sync links to this Visitor user, if any. */
  async engageIdOfVisitorUser(visitorUserId: string): Promise<number | null> {
    const row = await this.#db
      .selectFrom('sync.users')
      .select('engage_user_id')
      .where('visitor_user_id', '=', visitorUserId)
      .executeTakeFirst();
    return row?.engage_user_id ?? null;
  }

  /**
   * Saves the state (its access set first), sharing a statement with concurrent saves. The plan input
   * is the one given or, left out, unknown; created_by_run and the invitation columns only when given.
   * A log entry given is committed with the state, in the same statement.
   */
  async save(state: SyncUserState, runId: string, extra: SaveUserExtra = {}): Promise<void> {
    const row: UserInsert = {
      engage_user_id: state.engageUserId,
      visitor_user_id: state.visitorUserId,
      user_name: state.userName,
      attributes: JSON.stringify(state.attributes),
      owned_access_digest: await this.#accessSets.save(state.ownedAccess),
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
    await this.#writes.write({ row, log: extra.log });
  }

  /** Users linked to a Visitor user the sync has not deprovisioned. */
  async countLinked(): Promise<number> {
    const r = await this.#db
      .selectFrom('sync.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('visitor_user_id', 'is not', null)
      .where('deprovisioned', '=', false)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * One upsert of rows with the same columns and distinct ids; their log entries go in the same
   * statement (a data-modifying CTE), so the states and the entries commit together or not at all.
   */
  async #upsert(writes: UserWrite[]): Promise<void> {
    const columns = Object.keys(writes[0]!.row).filter((k) => k !== 'engage_user_id');
    // Rows in id order: two workers upserting overlapping ids then lock them in the same order.
    const ordered = writes.map((w) => w.row).sort((a, b) => a.engage_user_id - b.engage_user_id);
    const logs = writes.flatMap((w) => (w.log ? [logRow(w.log)] : []));
    const upsert = (db: Kysely<SyncDatabase>) =>
      db
        .insertInto('sync.users')
        .values(ordered)
        .onConflict((oc) =>
          oc.column('engage_user_id').doUpdateSet(({ ref }) => {
            const set: Record<string, unknown> = {};
            for (const k of columns) set[k] = ref(`excluded.${k}` as never);
            return set;
          }),
        );
    if (logs.length === 0) await upsert(this.#db).execute();
    else
      await this.#db
        .with('saved', (db) => upsert(db as unknown as Kysely<SyncDatabase>).returning('engage_user_id'))
        .insertInto('sync.log')
        .values(logs)
        .execute();
  }

  async #toStored(rows: UserRow[]): Promise<Map<number, StoredUser>> {
    const sets = await this.#accessSets.load(rows.map((r) => r.owned_access_digest));
    const out = new Map<number, StoredUser>();
    for (const r of rows) {
      const owned = sets.get(r.owned_access_digest);
      if (!owned) throw new Error(`sync state is missing access set ${r.owned_access_digest}`);
      out.set(r.engage_user_id, toStored(r, owned));
    }
    return out;
  }
}

function toStored(r: UserRow, owned: AccessSet): StoredUser {
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
    version: r.version,
  };
}
