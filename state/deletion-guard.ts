// The deletion guard over PostgreSQL: the budget ledger (reserved under one advisory lock, so workers
// never overspend it together), the pending decision and the deletions held for it.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { deletionDecisionWorkflowId } from '../domain/workflow-ids';
import type {
  BudgetUse,
  DecisionStatus,
  DeletionDecision,
  DeletionGuardStore,
  DeletionPath,
  HeldDeletion,
} from '../engine/deletion-guard-port';
import type { PendingDeletion } from '../engine/ports';

type Db = Kysely<SyncDatabase> | Transaction<SyncDatabase>;

/** Serialises budget reservations across workers (pg_advisory_xact_lock key). */
const BUDGET_LOCK = 0x65_76_73_64; // 'evsd'

export class PgDeletionGuard implements DeletionGuardStore {
  readonly #db: Kysely<SyncDatabase>;
  /** A tenant's decisions' workflow ids begin with its id (decision ids count per tenant schema). */
  readonly #tenantId: string | undefined;

  constructor(db: Kysely<SyncDatabase>, tenantId?: string) {
    this.#db = db;
    this.#tenantId = tenantId;
  }

  budgetUse(since: Date): Promise<BudgetUse> {
    return useOf(this.#db, since);
  }

  async reserve(r: {
    runId: string;
    engageUserIds: readonly number[];
    path: DeletionPath;
    since: Date;
    allow: (use: BudgetUse, adding: number) => boolean;
  }): Promise<{ ok: boolean; use: BudgetUse }> {
    return this.#db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${BUDGET_LOCK})`.execute(tx);
      const use = await useOf(tx, r.since);
      const ids = [...new Set(r.engageUserIds)];
      if (ids.length === 0) return { ok: true, use };
      const already = await tx
        .selectFrom('sync.deletion_ledger')
        .select('engage_user_id')
        .where('run_id', '=', r.runId)
        .where('engage_user_id', 'in', ids)
        .execute();
      const known = new Set(already.map((a) => a.engage_user_id));
      const fresh = ids.filter((id) => !known.has(id));
      if (fresh.length === 0) return { ok: true, use };
      if (!r.allow(use, fresh.length)) return { ok: false, use };
      for (let i = 0; i < fresh.length; i += 5000)
        await tx
          .insertInto('sync.deletion_ledger')
          .values(
            fresh.slice(i, i + 5000).map((id) => ({ run_id: r.runId, engage_user_id: id, path: r.path })),
          )
          .onConflict((oc) => oc.columns(['run_id', 'engage_user_id']).doNothing())
          .execute();
      return { ok: true, use };
    });
  }

  async hold(r: {
    runId: string;
    deletions: readonly PendingDeletion[];
    reason: string;
    expiresAt: Date;
  }): Promise<DeletionDecision & { opened: boolean }> {
    return this.#db.transaction().execute(async (tx) => {
      // Same lock as the budget: a decision is opened once, never beside another one.
      await sql`SELECT pg_advisory_xact_lock(${BUDGET_LOCK})`.execute(tx);
      let open = await tx
        .selectFrom('sync.deletion_decisions')
        .select('id')
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const opened = !open;
      if (!open)
        open = await tx
          .insertInto('sync.deletion_decisions')
          .values({ reason: r.reason, expires_at: r.expiresAt })
          .returning('id')
          .executeTakeFirstOrThrow();
      const decisionId = open.id;
      for (let i = 0; i < r.deletions.length; i += 2000) {
        const chunk = r.deletions.slice(i, i + 2000);
        await tx
          .insertInto('sync.held_deletions')
          .values(
            chunk.map((d) => ({
              engage_user_id: d.engage_user_id,
              decision_id: decisionId,
              visitor_user_id: d.visitor_user_id,
              mode: d.mode,
              reason: d.reason,
              held_by_run: r.runId,
            })),
          )
          .onConflict((oc) =>
            oc.column('engage_user_id').doUpdateSet((eb) => ({
              decision_id: eb.ref('excluded.decision_id'),
              visitor_user_id: eb.ref('excluded.visitor_user_id'),
              mode: eb.ref('excluded.mode'),
              reason: eb.ref('excluded.reason'),
              held_by_run: eb.ref('excluded.held_by_run'),
            })),
          )
          .execute();
        await tx
          .updateTable('sync.pending_deletions')
          .set({ status: 'held' })
          .where('run_id', '=', r.runId)
          .where(
            'engage_user_id',
            'in',
            chunk.map((d) => d.engage_user_id),
          )
          .execute();
      }
      return { ...(await decisionById(tx, Number(decisionId), this.#tenantId))!, opened };
    });
  }

  async whichHeld(engageUserIds: readonly number[]): Promise<Set<number>> {
    if (engageUserIds.length === 0) return new Set();
    const rows = await this.#db
      .selectFrom('sync.held_deletions')
      .select('engage_user_id')
      .where('engage_user_id', 'in', [...engageUserIds])
      .execute();
    return new Set(rows.map((r) => r.engage_user_id));
  }

  async dropHeld(engageUserIds: readonly number[]): Promise<number> {
    if (engageUserIds.length === 0) return 0;
    const r = await this.#db
      .deleteFrom('sync.held_deletions')
      .where('engage_user_id', 'in', [...engageUserIds])
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async pendingDecision(): Promise<DeletionDecision | undefined> {
    const row = await this.#db
      .selectFrom('sync.deletion_decisions')
      .select('id')
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return row ? decisionById(this.#db, Number(row.id), this.#tenantId) : undefined;
  }

  async countHeldByRun(runId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('sync.held_deletions as h')
      .innerJoin('sync.deletion_decisions as d', 'd.id', 'h.decision_id')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('h.held_by_run', '=', runId)
      .where('d.status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async beginApplying(
    id: number,
    r: { by: string; approvedAt: Date; successorExpiresAt: Date },
  ): Promise<{ applying: boolean; successor: DeletionDecision | undefined }> {
    return this.#db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${BUDGET_LOCK})`.execute(tx);
      const d = await tx
        .selectFrom('sync.deletion_decisions')
        .select(['status', 'reason'])
        .where('id', '=', String(id))
        .executeTakeFirst();
      if (d?.status === 'pending') {
        await tx
          .updateTable('sync.deletion_decisions')
          .set({ status: 'applying', decided_by: r.by, decided_at: r.approvedAt })
          .where('id', '=', String(id))
          .execute();
        // Held after the operator approved: not what they approved. They wait for a decision of their own.
        const late = await tx
          .selectFrom('sync.held_deletions')
          .select('engage_user_id')
          .where('decision_id', '=', String(id))
          .where('held_at', '>', r.approvedAt)
          .execute();
        if (late.length > 0) {
          const next = await tx
            .insertInto('sync.deletion_decisions')
            .values({ reason: d.reason, expires_at: r.successorExpiresAt })
            .returning('id')
            .executeTakeFirstOrThrow();
          await tx
            .updateTable('sync.held_deletions')
            .set({ decision_id: next.id })
            .where('decision_id', '=', String(id))
            .where('held_at', '>', r.approvedAt)
            .execute();
        }
      }
      const pending = await tx
        .selectFrom('sync.deletion_decisions')
        .select('id')
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const applying = d?.status === 'pending' || d?.status === 'applying';
      return {
        applying,
        successor: pending ? await decisionById(tx, Number(pending.id), this.#tenantId) : undefined,
      };
    });
  }

  decision(id: number): Promise<DeletionDecision | undefined> {
    return decisionById(this.#db, id, this.#tenantId);
  }

  async heldDeletions(decisionId: number, limit: number): Promise<HeldDeletion[]> {
    const rows = await this.#db
      .selectFrom('sync.held_deletions')
      .select(['engage_user_id', 'visitor_user_id', 'mode', 'reason', 'held_by_run'])
      .where('decision_id', '=', decisionId)
      .orderBy('engage_user_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      engageUserId: r.engage_user_id,
      visitorUserId: r.visitor_user_id,
      mode: r.mode as HeldDeletion['mode'],
      reason: r.reason,
      heldByRun: r.held_by_run,
    }));
  }

  async releaseHeld(decisionId: number, engageUserId: number, outcome: 'applied' | 'stale'): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      const gone = await tx
        .deleteFrom('sync.held_deletions')
        .where('decision_id', '=', decisionId)
        .where('engage_user_id', '=', engageUserId)
        .executeTakeFirst();
      if (outcome === 'applied' && Number(gone.numDeletedRows) > 0)
        await tx
          .insertInto('sync.deletion_ledger')
          .values({ run_id: `decision-${decisionId}`, engage_user_id: engageUserId, path: 'approved' })
          .onConflict((oc) => oc.columns(['run_id', 'engage_user_id']).doNothing())
          .execute();
    });
  }

  async closeDecision(
    id: number,
    status: Exclude<DecisionStatus, 'pending' | 'applying'>,
    by: string,
  ): Promise<{ closed: boolean; dropped: number }> {
    return this.#db.transaction().execute(async (tx) => {
      // Same lock as hold(): a run never adds held deletions to a decision as it closes.
      await sql`SELECT pg_advisory_xact_lock(${BUDGET_LOCK})`.execute(tx);
      const r = await tx
        .updateTable('sync.deletion_decisions')
        .set({ status, decided_by: by, decided_at: sql<Date>`now()` })
        .where('id', '=', String(id))
        .where('status', 'in', ['pending', 'applying'])
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        // A retry of a close that committed: closed as asked, nothing left to drop.
        const now = await tx
          .selectFrom('sync.deletion_decisions')
          .select('status')
          .where('id', '=', String(id))
          .executeTakeFirst();
        return { closed: now?.status === status, dropped: 0 };
      }
      const d = await tx.deleteFrom('sync.held_deletions').where('decision_id', '=', id).executeTakeFirst();
      return { closed: true, dropped: Number(d.numDeletedRows) };
    });
  }
}

async function useOf(db: Db, since: Date): Promise<BudgetUse> {
  const [used, linked] = await Promise.all([
    db
      .selectFrom('sync.deletion_ledger')
      // A user reserved twice (a failed run's reservation, then the next run's) is one deletion.
      .select((eb) => eb.fn.count<string>('engage_user_id').distinct().as('n'))
      .where('path', '<>', 'approved')
      .where('reserved_at', '>=', since)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sync.users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('visitor_user_id', 'is not', null)
      .where('deprovisioned', '=', false)
      .executeTakeFirstOrThrow(),
  ]);
  return { used: Number(used.n), linked: Number(linked.n) };
}

async function decisionById(
  db: Db,
  id: number,
  tenantId: string | undefined,
): Promise<DeletionDecision | undefined> {
  const row = await db
    .selectFrom('sync.deletion_decisions as d')
    .selectAll('d')
    .select((eb) =>
      eb
        .selectFrom('sync.held_deletions as h')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('h.decision_id', '=', 'd.id')
        .as('held'),
    )
    .where('d.id', '=', String(id))
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: Number(row.id),
    status: row.status as DecisionStatus,
    openedAt: row.opened_at,
    expiresAt: row.expires_at,
    held: Number(row.held ?? 0),
    reason: row.reason,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    workflowId: `${tenantId ? `${tenantId}.` : ''}${deletionDecisionWorkflowId(Number(row.id), row.workflow_key)}`,
  };
}
