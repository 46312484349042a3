// The slot book of scim/rate-slots.ts in PostgreSQL (sync.visitor_rate_slots), shared by every worker
// of the deployment: one row per Visitor company, its instant moved under the row's lock. Times are
// the database's clock and go back as delays, so workers' clocks never enter into it.
//
// Failure modes: a worker that dies with slots booked only wastes them (at most the bulk horizon of
// requests); a database that cannot be reached fails the requests waiting (their activities retry).
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { MAX_HOLD_MS, type RateSlots, type SlotBooking, type SlotRequest } from '../scim/pacer';

/** One book per Visitor company: its URL and token, digested (the token never reaches the database). */
export function rateSlotsKey(baseUrl: string, token: string): string {
  return createHash('sha256').update(`${baseUrl}\n${token}`).digest('hex').slice(0, 32);
}

export class PgRateSlots implements RateSlots {
  readonly #db: Kysely<SyncDatabase>;
  #created: Promise<unknown> | undefined;

  constructor(
    db: Kysely<SyncDatabase>,
    private readonly key: string,
  ) {
    this.#db = db;
  }

  async book({ count, lane, spacingMs, horizonMs }: SlotRequest): Promise<SlotBooking> {
    await this.created();
    const sent = performance.now();
    // Locked read, then the move (when granted), in one statement: bookings never overlap.
    const { rows } = await sql<{ start_in_ms: number; start_at_ms: number; granted: boolean }>`
      with cur as (
        -- A book ahead by more than the longest hold (a clock stepped back) counts as that far ahead.
        select least(next_at, clock_timestamp() + ${MAX_HOLD_MS} * interval '1 millisecond') as next_at,
          clock_timestamp() as now
        from sync.visitor_rate_slots
        where key = ${this.key} for update
      ), free as (
        select greatest(next_at, now) as start_at, now,
          (${lane} = 'event' or next_at <= now + ${horizonMs} * interval '1 millisecond') as granted
        from cur
      ), moved as (
        update sync.visitor_rate_slots s
        set next_at = free.start_at + ${count * spacingMs} * interval '1 millisecond'
        from free where s.key = ${this.key} and free.granted
        returning 1
      ) -- runs whether or not it is read
      select (extract(epoch from (start_at - now)) * 1000)::float8 as start_in_ms,
        (extract(epoch from start_at) * 1000)::float8 as start_at_ms, granted from free`.execute(this.#db);
    const row = rows[0];
    if (!row) throw new Error('visitor rate slot book missing');
    // The delay counts from the database's clock reading, somewhere within the round trip: counted
    // from the answer, every slot would go late by the trip, by more for a busier worker (bunching).
    const startInMs = Number(row.start_in_ms) - (performance.now() - sent) / 2;
    return row.granted
      ? { granted: count, startInMs, startAt: Number(row.start_at_ms) }
      : { granted: 0, startInMs: startInMs - horizonMs };
  }

  async holdFor(ms: number): Promise<void> {
    await this.created();
    await sql`
      update sync.visitor_rate_slots
      set next_at = greatest(next_at, clock_timestamp() + ${Math.min(ms, MAX_HOLD_MS)} * interval '1 millisecond')
      where key = ${this.key}`.execute(this.#db);
  }

  private created(): Promise<unknown> {
    this.#created ??= this.#db
      .insertInto('sync.visitor_rate_slots')
      .values({ key: this.key })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute()
      .catch((err: unknown) => {
        this.#created = undefined;
        throw err;
      });
    return this.#created;
  }
}
