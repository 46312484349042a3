// The change feed's durable state (sync.change_feed, one row per company): a lease so one worker polls
// a company at a time, and the watermarks it saves after each hand-off (engine/change-feed.ts).
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { bulkRunBase } from '../domain/change-window';
import type { FeedState, FeedStore } from '../engine/change-feed';

const ms = (d: Date | null) => (d ? d.getTime() : null);
const date = (n: number | null) => (n === null ? null : new Date(n));

export class PgChangeFeedStore implements FeedStore {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /** Takes the lease when it is free, expired or already this holder's (renewing it); else null. */
  async claim(holder: string, leaseMs: number): Promise<FeedState | null> {
    await this.#db
      .insertInto('sync.change_feed')
      .defaultValues()
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const row = await this.#db
      .updateTable('sync.change_feed')
      .set({ holder, lease_until: sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})` })
      .where((eb) =>
        eb.or([
          eb('holder', 'is', null),
          eb('holder', '=', holder),
          eb('lease_until', '<', sql<Date>`now()`),
        ]),
      )
      .returning(['users_watermark', 'locations_watermark', 'bulk_requested_at', 'floor'])
      .executeTakeFirst();
    return row
      ? {
          usersWatermarkMs: ms(row.users_watermark),
          locationsWatermarkMs: ms(row.locations_watermark),
          bulkRequestedAtMs: ms(row.bulk_requested_at),
          floorMs: ms(row.floor),
        }
      : null;
  }

  /** Saves a poll's outcome; refused (an error) when the lease has passed to another worker meanwhile. */
  async save(holder: string, s: FeedState & { caughtUpToMs: number }): Promise<void> {
    const r = await this.#db
      .updateTable('sync.change_feed')
      .set({
        users_watermark: date(s.usersWatermarkMs),
        locations_watermark: date(s.locationsWatermarkMs),
        bulk_requested_at: date(s.bulkRequestedAtMs),
        floor: date(s.floorMs),
        caught_up_to: date(s.caughtUpToMs),
        polled_at: sql<Date>`now()`,
      })
      .where('holder', '=', holder)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error('the change feed lease passed to another worker');
  }

  /** Gives the lease up (a worker stopping), so another takes the feed at once. */
  async release(holder: string): Promise<void> {
    await this.#db
      .updateTable('sync.change_feed')
      .set({ holder: null, lease_until: null })
      .where('holder', '=', holder)
      .execute();
  }

  async bulkProgress(requestedAtMs: number): Promise<{ begun: boolean; refused: number }> {
    // The request's runs by their workflow ids (the stamp is in Engage's clock: no clock is compared).
    const rows = await this.#db
      .selectFrom('sync.runs')
      .select('status')
      .where('workflow_id', 'like', `%${bulkRunBase(requestedAtMs, 0)}%`)
      .where('dry_run', '=', false)
      .execute();
    return {
      begun: rows.some((r) => r.status !== 'skipped'),
      refused: rows.filter((r) => r.status === 'skipped').length,
    };
  }
}

/** What operators see of a company's feed (sync status, metrics); lag in the sync database's clock. */
export async function changeFeedStatus(db: Kysely<SyncDatabase>): Promise<
  | {
      caughtUpTo: Date | null;
      polledAt: Date | null;
      holder: string | null;
      /** Seconds since the last complete poll; null before the first. */
      lagSeconds: number | null;
    }
  | undefined
> {
  const row = await db
    .selectFrom('sync.change_feed')
    .select(['caught_up_to', 'polled_at', 'holder'])
    .select(sql<number | null>`extract(epoch FROM now() - polled_at)::float8`.as('lag'))
    .executeTakeFirst();
  return (
    row && {
      caughtUpTo: row.caught_up_to,
      polledAt: row.polled_at,
      holder: row.holder,
      lagSeconds: row.lag === null ? null : Math.max(0, row.lag),
    }
  );
}
