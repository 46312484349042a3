// Users whose last attempt failed (sync.user_failures): shown to operators, and retried with the
// back-off of domain/quarantine.ts.
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { nextAttemptDelayMs } from '../domain/quarantine';
import type { FailureRow } from '../engine/ports';

export class Failures {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  async byIds(ids: readonly number[]): Promise<Map<number, FailureRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db
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

  /**
   * Records one more consecutive failure and when to try the user again. A retry within the same run
   * (an activity attempt repeated) does not count twice.
   */
  async record(
    engageUserId: number,
    runId: string,
    codes: string[],
    detail: Record<string, unknown>,
  ): Promise<void> {
    const { rows } = await sql<{ failure_count: number }>`
      INSERT INTO ${sql.table('sync.user_failures')} (engage_user_id, codes, detail, failure_count, last_run_id, last_failed_at, next_attempt_at)
      VALUES (${engageUserId}, ${codes}, ${JSON.stringify(detail)}::jsonb, 1, ${runId}, now(), now())
      ON CONFLICT (engage_user_id) DO UPDATE SET
        codes = excluded.codes,
        detail = excluded.detail,
        failure_count = ${sql.ref('sync.user_failures.failure_count')} + CASE WHEN ${sql.ref('sync.user_failures.last_run_id')} = excluded.last_run_id THEN 0 ELSE 1 END,
        last_run_id = excluded.last_run_id,
        last_failed_at = now()
      RETURNING failure_count`.execute(this.#db);
    const delay = nextAttemptDelayMs(rows[0]?.failure_count ?? 1);
    await this.#db
      .updateTable('sync.user_failures')
      .set({ next_attempt_at: new Date(Date.now() + delay) })
      .where('engage_user_id', '=', engageUserId)
      .execute();
  }

  /** Conflict failures in back-off are due now: a deletion may have freed the name they wanted. */
  async retryConflictsNow(): Promise<number> {
    const r = await sql`
      UPDATE ${sql.table('sync.user_failures')} SET next_attempt_at = now()
      WHERE 'visitor_conflict' = ANY(codes) AND next_attempt_at > now()`.execute(this.#db);
    return Number(r.numAffectedRows ?? 0);
  }

  /** The user succeeded: its failures are forgotten. */
  async clear(engageUserId: number): Promise<void> {
    await this.#db.deleteFrom('sync.user_failures').where('engage_user_id', '=', engageUserId).execute();
  }
}
