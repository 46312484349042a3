// Engage location ↔ Visitor location links (sync.locations). A location whose Engage row is gone is
// kept as orphaned: never deleted in Visitor.
import type { Insertable, Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { LocationLink } from '../engine/ports';
import { WRITE_LINGER_MS, WriteCoalescer } from './write-coalescer';

type LocationInsert = Insertable<SyncDatabase['sync.locations']>;

export class Locations {
  readonly #db: Kysely<SyncDatabase>;
  /** An initial sync links 500 locations side by side: the same group commit as user states. */
  readonly #writes = new WriteCoalescer<LocationInsert>({
    key: (row) => row.engage_location_id,
    shape: () => 'link',
    write: (rows) => this.#upsert(rows),
    lingerMs: WRITE_LINGER_MS,
  });

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /** Every link, linked or orphaned, by Engage location id. */
  async map(): Promise<Map<number, LocationLink>> {
    const rows = await this.#db.selectFrom('sync.locations').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.engage_location_id,
        { visitorId: r.visitor_location_id, fingerprint: r.fingerprint, status: r.status },
      ]),
    );
  }

  async save(
    engageId: number,
    visitorId: string,
    fingerprint: string,
    status: 'linked' | 'orphaned',
  ): Promise<void> {
    await this.#writes.write({
      engage_location_id: engageId,
      visitor_location_id: visitorId,
      fingerprint,
      status,
      updated_at: new Date(),
    });
  }

  /** One upsert of links with distinct Engage ids, in id order (as user states: one lock order). */
  async #upsert(rows: LocationInsert[]): Promise<void> {
    await this.#db
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
}
