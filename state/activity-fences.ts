// The attempt fences of engine/attempt-fence.ts in PostgreSQL (sync.activity_fences). A holder keeps
// one transaction open with the key's row locked FOR UPDATE: a later attempt's claim waits for that
// lock, so it starts writing only once the earlier attempt finished, stopped, or lost its session
// (its worker died: PostgreSQL ends the session and the lock goes with it). Give it its own pool:
// each holder keeps one of its connections.
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { AttemptFences, FenceLease } from '../engine/ports';

/** How long one wait for the lock lasts before the claimant heartbeats and waits again. */
const LOCK_WAIT = '2s';
/**
 * A holder idle this long inside its transaction (a frozen or partitioned worker) loses its session
 * and with it the hold; a live holder queries before each write, far more often.
 */
const IDLE_LIMIT = '5min';

const LOCK_NOT_AVAILABLE = '55P03';
/** The lock is still held, or every connection of the fences' pool holds a fence: wait again. */
const mustWait = (err: unknown) =>
  (err as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE ||
  (err instanceof Error && /timeout exceeded when trying to connect/i.test(err.message));

export class PgAttemptFences implements AttemptFences {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  async claim(
    key: string,
    token: number,
    wait: { signal: AbortSignal; onWait(): void },
  ): Promise<FenceLease | null> {
    for (;;) {
      wait.signal.throwIfAborted();
      try {
        // The token is committed first, so a claim that loses its session later still fences off
        // every earlier attempt; then the row lock is taken and held.
        if (!(await this.#record(key, token))) return null;
        return await this.#hold(key, token);
      } catch (err) {
        if (!mustWait(err)) throw err;
        wait.onWait();
      }
    }
  }

  /** Records `token` as the key's holder unless a larger one is recorded; waits for the lock. */
  async #record(key: string, token: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`SET LOCAL lock_timeout = ${sql.lit(LOCK_WAIT)}`.execute(trx);
      const row = await trx
        .insertInto('sync.activity_fences')
        .values({ key, token })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ token, claimed_at: sql`now()` })
            .where('sync.activity_fences.token', '<=', String(token)),
        )
        .returning('token')
        .executeTakeFirst();
      return row !== undefined;
    });
  }

  async #hold(key: string, token: number): Promise<FenceLease | null> {
    const trx = await this.#db.startTransaction().execute();
    let released = false;
    const current = async () => {
      const row = await trx
        .selectFrom('sync.activity_fences')
        .select('token')
        .where('key', '=', key)
        .executeTakeFirst();
      return row ? Number(row.token) : null;
    };
    try {
      await sql`SET LOCAL lock_timeout = ${sql.lit(LOCK_WAIT)}`.execute(trx);
      await sql`SET LOCAL idle_in_transaction_session_timeout = ${sql.lit(IDLE_LIMIT)}`.execute(trx);
      const row = await trx
        .selectFrom('sync.activity_fences')
        .select('token')
        .where('key', '=', key)
        .forUpdate()
        .executeTakeFirst();
      if (!row || Number(row.token) !== token) {
        await trx.rollback().execute();
        return null; // a later attempt recorded itself between the two steps
      }
    } catch (err) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      throw err;
    }
    return {
      holds: async () => {
        if (released) return false;
        try {
          return (await current()) === token;
        } catch {
          return false; // the session is gone, and the lock with it
        }
      },
      release: async () => {
        if (released) return;
        released = true;
        await trx.rollback().execute();
      },
    };
  }
}
