// The change feed's reads of the Engage database: rows changed after a keyset cursor on
// (updated_at, id), served by the indexes on those columns; read-only, nothing is written to Engage.
import { type Kysely, sql } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import type { ChangedRow } from '../domain/change-window';
import type { ChangeSource, Cursor } from '../engine/change-feed';

export class EngageChangeReader implements ChangeSource {
  readonly #db: Kysely<EngageDatabase>;

  constructor(db: Kysely<EngageDatabase>) {
    this.#db = db;
  }

  async nowMs(): Promise<number> {
    const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(this.#db);
    return rows[0]!.now.getTime();
  }

  changedUsers(after: Cursor, untilMs: number, limit: number): Promise<ChangedRow[]> {
    return this.#changed('engage.users', after, untilMs, limit);
  }

  changedLocations(after: Cursor, untilMs: number, limit: number): Promise<ChangedRow[]> {
    return this.#changed('engage.locations', after, untilMs, limit);
  }

  async #changed(
    table: 'engage.users' | 'engage.locations',
    after: Cursor,
    untilMs: number,
    limit: number,
  ): Promise<ChangedRow[]> {
    // A row comparison, so PostgreSQL walks the (updated_at, id) index from the cursor.
    const rows = await this.#db
      .selectFrom(table)
      .select(['id', 'updated_at'])
      .where(sql<boolean>`(updated_at, id) > (${new Date(after.atMs)}::timestamptz, ${after.id}::int)`)
      .where('updated_at', '<=', new Date(untilMs))
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, updatedAtMs: (r.updated_at as Date).getTime() }));
  }
}
