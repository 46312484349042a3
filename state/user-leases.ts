// Per-user leases (sync.user_leases): one holder — a page attempt or a per-user run attempt — acts on
// a user at a time. A lease expires, so a holder that died frees it (engine/user-lease.ts).
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { UserLeaseTake } from '../engine/ports';
import { WriteCoalescer } from './write-coalescer';

type Release = { engageUserId: number; holder: string };

export class UserLeases {
  readonly #db: Kysely<SyncDatabase>;
  /** Releases of a page's users go together: one statement for those that end at once. */
  readonly #releases = new WriteCoalescer<Release>({
    key: (r) => r.engageUserId,
    shape: () => 'release',
    write: (rs) => this.#release(rs),
  });

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /**
   * Takes (or extends) the lease when it is free, expired or this holder's, and reads the version of
   * the user's state row in the same statement: the caller knows whether the state moved since it read it.
   */
  async take(engageUserId: number, holder: string, ttlMs: number): Promise<UserLeaseTake> {
    const r = await sql<{ taken: boolean; version: string | null }>`
      with taken as (
        insert into ${sql.table('sync.user_leases')} as l (engage_user_id, holder, expires_at)
        values (${engageUserId}, ${holder}, clock_timestamp() + ${ttlMs} * interval '1 millisecond')
        on conflict (engage_user_id) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where l.expires_at < clock_timestamp() or l.holder = excluded.holder
        returning 1)
      select exists (select 1 from taken) as taken,
             (select xmin::text from ${sql.table('sync.users')} where engage_user_id = ${engageUserId}) as version`.execute(
      this.#db,
    );
    const row = r.rows[0]!;
    return { taken: row.taken, version: row.version };
  }

  release(engageUserId: number, holder: string): Promise<void> {
    return this.#releases.write({ engageUserId, holder });
  }

  async #release(rs: Release[]): Promise<void> {
    await this.#db
      .deleteFrom('sync.user_leases')
      .where((eb) =>
        eb.or(
          rs.map((r) => eb.and([eb('engage_user_id', '=', r.engageUserId), eb('holder', '=', r.holder)])),
        ),
      )
      .execute();
  }
}
