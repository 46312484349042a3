// Typed, keyset-paged reads of the Engage source database, for the sync's Temporal activities.
// Pages never load a whole table; administered locations and countries come with each user in the
// same query.
import { createHash } from 'node:crypto';
import { type Kysely, type SqlBool, sql } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import type { EngageLocation, EngageUser } from '../domain/types';
import { type InvalidRow, mapLocationRow, mapUserRow, partition, type UserRow } from './mapping';

export type { InvalidRow } from './mapping';

export interface UsersResult {
  users: EngageUser[];
  /** Rows that could not be mapped; the rest of the page is still usable. */
  invalid: InvalidRow[];
}

export interface UsersPage extends UsersResult {
  /** Pass as afterId for the next page; null when this was the last page. */
  nextAfterId: number | null;
}

export type UserLookup =
  | { status: 'found'; user: EngageUser }
  | { status: 'invalid'; invalid: InvalidRow }
  | { status: 'missing' };

export interface IdentityConflictGroup {
  /** sha256 (hex) of the lower-cased, trimmed identity: groups are comparable across runs without storing the e-mail. */
  identityHash: string;
  /** Ascending Engage user ids sharing the identity (two or more). */
  userIds: number[];
}

/** SQL twin of domain/identity.ts isEmailAddress (ASCII dot-atom local part, alphabetic or xn-- TLD). */
export const EMAIL_PATTERN =
  "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.([A-Za-z]{2,}|xn--[A-Za-z0-9-]+)$";

/** The same hash identityConflicts computes in SQL, for callers holding a userName. */
export function identityHash(userName: string): string {
  return createHash('sha256').update(userName.trim().toLowerCase(), 'utf8').digest('hex');
}

/**
 * A user's identity in SQL, lower-cased: the username when it is an e-mail address, else a valid e-mail,
 * else null (compare domain/identity.ts visitorUserName).
 */
const IDENTITY = sql<string | null>`lower(btrim(case
  when btrim(username) ~ ${EMAIL_PATTERN} then username
  when btrim(email) ~ ${EMAIL_PATTERN} then email
end))`;

const MAX_PAGE = 10_000;

/** The user columns the reader maps (engage/mapping.ts), besides the id and administered locations. */
const USER_COLUMNS = [
  'username',
  'email',
  'given_name',
  'family_name',
  'mobile_phone',
  'work_phone',
  'job_title',
  'preferred_language',
  'user_type',
  'sso',
  'active',
  'deleted_at',
  'created_at',
  'updated_at',
] as const;

/**
 * Digest of a user row as the reader maps it (every column above, the administered locations, the
 * administered countries and their locations): equal digests mean the rules see the same input, so a
 * Country admin whose countries change — or a location that moves into or out of one of them — is
 * planned again. Computed in SQL so a run can compare a page of users without transferring or parsing
 * their rows. sha256, not md5: FIPS builds refuse md5.
 */
const SOURCE_DIGEST = sql<string>`left(encode(sha256(convert_to(row(${sql.join(
  USER_COLUMNS.map((c) => sql.ref(`u.${c}`)),
)}, la.ids, ca.countries, ca.location_ids)::text, 'UTF8')), 'hex'), 32)`;

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new RangeError(`limit must be an integer between 1 and ${MAX_PAGE}`);
  }
}

export class EngageReader {
  constructor(private readonly db: Kysely<EngageDatabase>) {}

  /**
   * Users with id > afterId (and ≤ upToId when given), ascending. Soft-deleted users only with
   * includeDeleted. With upToId, nextAfterId is null once the range is exhausted.
   */
  async usersPage({
    afterId,
    upToId,
    limit,
    includeDeleted = false,
  }: {
    afterId: number;
    upToId?: number | null;
    limit: number;
    includeDeleted?: boolean;
  }): Promise<UsersPage> {
    checkLimit(limit);
    // One extra row tells whether another page exists without a second query.
    const rows = await this.userQuery()
      .where('u.id', '>', afterId)
      .$if(upToId !== undefined && upToId !== null, (q) => q.where('u.id', '<=', upToId!))
      .$if(!includeDeleted, (q) => q.where('u.deleted_at', 'is', null))
      .orderBy('u.id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const { values, invalid } = partition(page.map((r) => mapUserRow(r as UserRow)));
    const last = page[page.length - 1];
    return { users: values, invalid, nextAfterId: rows.length > limit && last ? last.id : null };
  }

  /**
   * The row digest (see SOURCE_DIGEST) of every user with afterId < id ≤ upToId, deleted included:
   * what a run compares with the plan inputs it stored before reading any user in full.
   */
  async userDigests({
    afterId,
    upToId,
  }: {
    afterId: number;
    upToId: number | null;
  }): Promise<Map<number, string>> {
    const rows = await this.withAdministered()
      .select(['u.id', SOURCE_DIGEST.as('source_digest')])
      .where('u.id', '>', afterId)
      .$if(upToId !== null, (q) => q.where('u.id', '<=', upToId!))
      .execute();
    return new Map(rows.map((r) => [r.id, r.source_digest]));
  }

  /** The given users (deleted ones included: the caller asked for them by id), ascending by id. */
  async usersByIds(ids: readonly number[]): Promise<UsersResult> {
    if (ids.length === 0) return { users: [], invalid: [] };
    const rows = await this.userQuery()
      .where('u.id', '=', sql<number>`any(${[...ids]}::int[])`)
      .orderBy('u.id')
      .execute();
    const { values, invalid } = partition(rows.map((r) => mapUserRow(r as UserRow)));
    return { users: values, invalid };
  }

  async userById(id: number): Promise<UserLookup> {
    const row = await this.userQuery().where('u.id', '=', id).executeTakeFirst();
    if (!row) return { status: 'missing' };
    const mapped = mapUserRow(row as UserRow);
    return mapped.ok
      ? { status: 'found', user: mapped.value }
      : { status: 'invalid', invalid: mapped.invalid };
  }

  /** Active, non-deleted locations (hundreds at most), ascending by id. */
  async allActiveLocations(): Promise<{ locations: EngageLocation[]; invalid: InvalidRow[] }> {
    const rows = await this.db
      .selectFrom('engage.locations')
      .selectAll()
      .where('active', '=', true)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
    const { values, invalid } = partition(rows.map(mapLocationRow));
    return { locations: values, invalid };
  }

  /** Non-deleted users; with activeOnly, only active ones. */
  async countUsers({ activeOnly }: { activeOnly: boolean }): Promise<number> {
    const row = await this.db
      .selectFrom('engage.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('deleted_at', 'is', null)
      .$if(activeOnly, (q) => q.where('active', '=', true))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Upper ids of consecutive pages of `size` users each (deleted rows count: they may need
   * deprovisioning); the last page, after the last boundary, is open-ended.
   */
  async pageBoundaries(size: number): Promise<number[]> {
    checkLimit(size);
    const rows = await sql<{ id: number }>`
      SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM ${sql.table('engage.users')}) t
      WHERE rn % ${size} = 0 ORDER BY id`.execute(this.db);
    return rows.rows.map((r) => r.id);
  }

  /**
   * Groups of active, non-deleted users sharing an identity (the username when it is an e-mail address,
   * else a valid e-mail), compared case-insensitively. With ids, only the groups containing one of them
   * (each group still complete), found by index lookups (identityConflictsOf). Computed in SQL so the
   * e-mails never leave the database.
   */
  async identityConflicts(ids?: readonly number[]): Promise<IdentityConflictGroup[]> {
    if (ids) return ids.length === 0 ? [] : this.identityConflictsOf(ids);
    // Every user, scanned and grouped: a bulk run asks once (engine/identity-conflicts.ts caches it).
    const rows = await this.db
      .with('identities', (db) =>
        db
          .selectFrom('engage.users')
          .select(['id', IDENTITY.as('identity')])
          .where('deleted_at', 'is', null)
          .where('active', '=', true),
      )
      .selectFrom('identities')
      .select([
        sql<string>`encode(sha256(convert_to(identity, 'UTF8')), 'hex')`.as('identity_hash'),
        sql<number[]>`array_agg(id order by id)`.as('user_ids'),
      ])
      .where('identity', 'is not', null)
      .groupBy('identity')
      .having(sql<SqlBool>`count(*) > 1`)
      .orderBy(sql`min(id)`)
      .execute();
    return rows.map((r) => ({ identityHash: r.identity_hash, userIds: r.user_ids }));
  }

  /**
   * The identity groups of a few users, in one query whose cost does not grow with Engage: their
   * identities (primary key), then the users whose stored username or e-mail equals one of them up to
   * case, through the indexes on lower(username) (partial, deleted_at IS NULL) and lower(email), the
   * only ones on the identity's columns; the identity expression is applied to those rows only.
   * Real Engage must have both indexes (the dev schema's users_username_lower_key, which also makes
   * usernames unique, and users_email_lower_idx), or this is a scan per call.
   * Unlike the full scan, it cannot find another user whose stored value has surrounding spaces
   * (' Jane@x.com': no index holds btrim): that user's own lookups and every bulk run still do.
   */
  private async identityConflictsOf(ids: readonly number[]): Promise<IdentityConflictGroup[]> {
    const wanted = sql<number[]>`${[...ids]}::int[]`;
    const rows = await sql<{ identity_hash: string; user_ids: number[] }>`
      WITH wanted AS (
        SELECT array_agg(DISTINCT identity) AS keys FROM (
          SELECT ${IDENTITY} AS identity FROM ${sql.table('engage.users')}
          WHERE id = any(${wanted}) AND deleted_at IS NULL AND active
        ) w WHERE identity IS NOT NULL
      ), members AS (
        SELECT id, ${IDENTITY} AS identity FROM ${sql.table('engage.users')}
        WHERE deleted_at IS NULL AND active AND (
          id = any(${wanted})
          OR lower(username) = any((SELECT keys FROM wanted)::text[])
          OR lower(email) = any((SELECT keys FROM wanted)::text[]))
      )
      SELECT encode(sha256(convert_to(identity, 'UTF8')), 'hex') AS identity_hash,
        array_agg(id ORDER BY id) AS user_ids
      FROM members WHERE identity = any((SELECT keys FROM wanted)::text[])
      GROUP BY identity HAVING count(*) > 1
      ORDER BY min(id)`.execute(this.db);
    return rows.rows.map((r) => ({ identityHash: r.identity_hash, userIds: r.user_ids }));
  }

  /**
   * Users joined with their administered location ids, and their administered countries with the
   * locations in them, each aggregated by a lateral subquery (no N+1; both found through the
   * (user_id, …) primary keys, so a user who administers nothing costs two index probes).
   */
  private withAdministered() {
    return this.db
      .selectFrom('engage.users as u')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('engage.location_admins as a')
            .select(sql<number[] | null>`array_agg(a.location_id order by a.location_id)`.as('ids'))
            .whereRef('a.user_id', '=', 'u.id')
            .as('la'),
        (join) => join.onTrue(),
      )
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('engage.country_admins as c')
            .select([
              sql<string[] | null>`array_agg(c.country::text order by c.country)`.as('countries'),
              // A country's locations: engage.locations with that country (locations_country_idx).
              sql<
                number[] | null
              >`(select array_agg(l.id order by l.id) from ${sql.table('engage.locations')} l
                where l.country = any(array_agg(c.country)))`.as('location_ids'),
            ])
            .whereRef('c.user_id', '=', 'u.id')
            .as('ca'),
        (join) => join.onTrue(),
      );
  }

  private userQuery() {
    return this.withAdministered().select([
      'u.id',
      ...USER_COLUMNS.map((c) => `u.${c}` as const),
      sql<number[]>`coalesce(la.ids, '{}')`.as('administered_location_ids'),
      sql<string[]>`coalesce(ca.countries, '{}')`.as('administered_countries'),
      sql<number[]>`coalesce(ca.location_ids, '{}')`.as('administered_country_location_ids'),
      SOURCE_DIGEST.as('source_digest'),
    ]);
  }
}

export const createEngageReader = (db: Kysely<EngageDatabase>): EngageReader => new EngageReader(db);
