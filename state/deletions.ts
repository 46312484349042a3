// Deletions a run decided on (sync.pending_deletions), held to its end: applied after every other
// change, or all rejected when they exceed the safety threshold and the operator says no.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { NewPendingDeletion, PendingDeletion } from '../engine/ports';

export type DeletionStatus = 'applied' | 'rejected' | 'stale';

export class Deletions {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /**
   * Holds a deletion; one per run and user. A repeated add keeps a pending one; one already settled
   * (a per-user run's earlier pass: fired, rehired, fired again) is pending again, for the new link.
   */
  async add(d: NewPendingDeletion): Promise<void> {
    await this.#db
      .insertInto('sync.pending_deletions')
      .values({
        run_id: d.runId,
        engage_user_id: d.engageUserId,
        visitor_user_id: d.visitorUserId,
        mode: d.mode,
        reason: d.reason,
      })
      .onConflict((oc) =>
        oc
          .columns(['run_id', 'engage_user_id'])
          .doUpdateSet({
            status: 'pending',
            visitor_user_id: d.visitorUserId,
            mode: d.mode,
            reason: d.reason,
          })
          .where('sync.pending_deletions.status', '<>', 'pending'),
      )
      .execute();
  }

  /** The run's deletions still pending, the lowest Engage ids first. */
  async pending(runId: string, limit: number): Promise<PendingDeletion[]> {
    return this.#db
      .selectFrom('sync.pending_deletions')
      .select(['run_id', 'engage_user_id', 'visitor_user_id', 'mode', 'reason'])
      .where('run_id', '=', runId)
      .where('status', '=', 'pending')
      .orderBy('engage_user_id')
      .limit(limit)
      .execute();
  }

  async countPending(runId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('sync.pending_deletions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('run_id', '=', runId)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async mark(runId: string, engageUserId: number, status: DeletionStatus): Promise<void> {
    await this.#db
      .updateTable('sync.pending_deletions')
      .set({ status })
      .where('run_id', '=', runId)
      .where('engage_user_id', '=', engageUserId)
      .execute();
  }

  /** Rejects every deletion of the run still pending; how many it rejected. */
  async rejectAll(runId: string): Promise<number> {
    const r = await this.#db
      .updateTable('sync.pending_deletions')
      .set({ status: 'rejected' })
      .where('run_id', '=', runId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
