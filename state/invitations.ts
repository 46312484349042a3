// Delayed "Join your team" e-mails: a run that creates users under the delay policy marks them
// pending on sync.users, and sends (or cancels) them after the delay.
import type { Kysely } from 'kysely';
import type { InvitationStatus, SyncDatabase } from '../db/sync-schema';
import type { InvitationHolder, PendingInvitation } from '../engine/ports';

export class Invitations {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /** The run's invitations still pending, the lowest Engage ids first. */
  async pending(runId: string, limit: number): Promise<PendingInvitation[]> {
    return this.#db
      .selectFrom('sync.users')
      .select(['engage_user_id', 'visitor_user_id', 'deprovisioned'])
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', runId)
      .orderBy('engage_user_id')
      .limit(limit)
      .execute();
  }

  async countPending(runId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('sync.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', runId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Sets the user's invitation status; the sent time only when given. */
  async set(engageUserId: number, status: InvitationStatus, sentAt: Date | null = null): Promise<void> {
    await this.#db
      .updateTable('sync.users')
      .set({ invitation_status: status, ...(sentAt ? { invitation_sent_at: sentAt } : {}) })
      .where('engage_user_id', '=', engageUserId)
      .execute();
  }

  /** The runs other than `excludingRunId` holding pending invitations, with their run record if any. */
  async holders(excludingRunId: string): Promise<InvitationHolder[]> {
    const rows = await this.#db
      .selectFrom('sync.users as u')
      .leftJoin('sync.runs as r', 'r.id', 'u.invitation_run_id')
      .select((eb) => [
        'u.invitation_run_id as runId',
        'r.workflow_id as workflowId',
        'r.status as status',
        eb.fn.countAll<string>().as('pending'),
      ])
      .where('u.invitation_status', '=', 'pending')
      .where('u.invitation_run_id', 'is not', null)
      .where('u.invitation_run_id', '<>', excludingRunId)
      .groupBy(['u.invitation_run_id', 'r.workflow_id', 'r.status'])
      .orderBy('u.invitation_run_id')
      .execute();
    return rows.map((r) => ({
      runId: r.runId!,
      workflowId: r.workflowId ?? null,
      status: r.status ?? null,
      pending: Number(r.pending),
    }));
  }

  /** Hands `fromRunId`'s pending invitations to `toRunId`; how many moved. */
  async move(fromRunId: string, toRunId: string): Promise<number> {
    const r = await this.#db
      .updateTable('sync.users')
      .set({ invitation_run_id: toRunId })
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', fromRunId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Cancels the run's invitations still pending; how many it cancelled. */
  async cancel(runId: string): Promise<number> {
    const r = await this.#db
      .updateTable('sync.users')
      .set({ invitation_status: 'cancelled' })
      .where('invitation_status', '=', 'pending')
      .where('invitation_run_id', '=', runId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
