// The operator's decisions on Visitor locations that existed before the sync (sync.location_matches):
// which Engage location a Visitor location is ('match'), or that a proposal was refused ('separate').
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';

export interface LocationMatchDecision {
  engageLocationId: number;
  decision: 'match' | 'separate';
  /** For 'match', the Visitor location adopted; for 'separate', the one refused (if any). */
  visitorLocationId: string | null;
  decidedBy: string;
  decidedAt: Date;
}

export class LocationMatchTakenError extends Error {}

export class LocationMatches {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  async all(): Promise<Map<number, LocationMatchDecision>> {
    const rows = await this.#db
      .selectFrom('sync.location_matches')
      .selectAll()
      .orderBy('engage_location_id')
      .execute();
    return new Map(
      rows.map((r) => [
        r.engage_location_id,
        {
          engageLocationId: r.engage_location_id,
          decision: r.decision,
          visitorLocationId: r.visitor_location_id,
          decidedBy: r.decided_by,
          decidedAt: r.decided_at,
        },
      ]),
    );
  }

  /** Records (or replaces) the decision for one Engage location. */
  async decide(
    d: Pick<LocationMatchDecision, 'engageLocationId' | 'decision' | 'visitorLocationId' | 'decidedBy'>,
  ): Promise<void> {
    try {
      await this.#db
        .insertInto('sync.location_matches')
        .values({
          engage_location_id: d.engageLocationId,
          decision: d.decision,
          visitor_location_id: d.visitorLocationId,
          decided_by: d.decidedBy,
        })
        .onConflict((oc) =>
          oc.column('engage_location_id').doUpdateSet(({ ref }) => ({
            decision: ref('excluded.decision'),
            visitor_location_id: ref('excluded.visitor_location_id'),
            decided_by: ref('excluded.decided_by'),
            decided_at: new Date(),
          })),
        )
        .execute();
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new LocationMatchTakenError(
          `Visitor location ${d.visitorLocationId} is already matched to another Engage location`,
        );
      throw err;
    }
  }

  /** Forgets a decision; whether there was one. */
  async forget(engageLocationId: number): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('sync.location_matches')
      .where('engage_location_id', '=', engageLocationId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
