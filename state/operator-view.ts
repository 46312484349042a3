// What an operator needs to see of one company's sync state at a glance: when it last succeeded, what
// waits for a decision, who is quarantined and why users fail. Read by the metrics, the alerts and the
// provisioning-log page, so all three agree.
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';

export interface LastSuccess {
  kind: string;
  /** When the newest completed run of this kind (dry runs aside) finished. */
  finishedAt: Date;
  runId: string;
}

export interface AwaitingDecision {
  /** A run waiting for its plan's approval, or a deletion decision held past the budget. */
  type: 'plan-review' | 'deletions';
  /** The run id, or the deletion decision's id. */
  id: string;
  workflowId: string | null;
  since: Date;
  /** The decision's own time limit, when it has one. */
  expiresAt: Date | null;
  reason: string | null;
}

export interface QuarantinedUser {
  engageUserId: number;
  codes: string[];
  failureCount: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  nextAttemptAt: Date;
  lastRunId: string;
}

export interface FinishedRun {
  id: string;
  kind: string;
  status: string;
  workflowId: string;
  dryRun: boolean;
  reason: string | null;
  finishedAt: Date;
}

/** The newest completed run of each kind, dry runs aside. */
export async function lastSuccesses(db: Kysely<SyncDatabase>): Promise<LastSuccess[]> {
  const rows = await db
    .selectFrom('sync.runs')
    .select(['kind', 'id', 'finished_at'])
    .distinctOn('kind')
    .where('status', '=', 'completed')
    .where('dry_run', '=', false)
    .where('finished_at', 'is not', null)
    .orderBy('kind')
    .orderBy('finished_at', 'desc')
    .execute();
  return rows.map((r) => ({ kind: r.kind, runId: r.id, finishedAt: r.finished_at as Date }));
}

/** Runs waiting for a plan review and deletions held for a decision, oldest first. */
export async function awaitingDecisions(db: Kysely<SyncDatabase>): Promise<AwaitingDecision[]> {
  const [reviews, deletions] = await Promise.all([
    db
      .selectFrom('sync.runs')
      .select(['id', 'workflow_id', 'started_at', 'reason'])
      .where('status', '=', 'awaiting-approval')
      .execute(),
    db
      .selectFrom('sync.deletion_decisions')
      .select(['id', 'opened_at', 'expires_at', 'reason'])
      .where('status', '=', 'pending')
      .execute(),
  ]);
  return [
    ...reviews.map((r) => ({
      type: 'plan-review' as const,
      id: r.id,
      workflowId: r.workflow_id,
      since: r.started_at,
      expiresAt: null,
      reason: r.reason,
    })),
    ...deletions.map((d) => ({
      type: 'deletions' as const,
      id: String(d.id),
      workflowId: null,
      since: d.opened_at,
      expiresAt: d.expires_at,
      reason: d.reason,
    })),
  ].sort((a, b) => a.since.getTime() - b.since.getTime());
}

/**
 * Users waiting out a back-off after repeated failures (domain/quarantine.ts): runs skip them until
 * next_attempt_at, as `sync status` counts them.
 */
export async function quarantinedUsers(db: Kysely<SyncDatabase>, limit = 1000): Promise<QuarantinedUser[]> {
  const rows = await db
    .selectFrom('sync.user_failures')
    .selectAll()
    .where('next_attempt_at', '>', sql<Date>`now()`)
    .orderBy('last_failed_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    engageUserId: r.engage_user_id,
    codes: r.codes,
    failureCount: r.failure_count,
    firstFailedAt: r.first_failed_at,
    lastFailedAt: r.last_failed_at,
    nextAttemptAt: r.next_attempt_at,
    lastRunId: r.last_run_id,
  }));
}

/** How many users are quarantined now. */
export async function quarantinedCount(db: Kysely<SyncDatabase>): Promise<number> {
  const row = await db
    .selectFrom('sync.user_failures')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('next_attempt_at', '>', sql<Date>`now()`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Users whose last attempt failed, by failure code (a user with two codes counts under both). */
export async function failingUsersByCode(db: Kysely<SyncDatabase>): Promise<Map<string, number>> {
  const { rows } = await sql<{ code: string; n: string }>`
    SELECT code, count(*) AS n
    FROM ${sql.table('sync.user_failures')}, unnest(codes) AS code
    GROUP BY code`.execute(db);
  return new Map(rows.map((r) => [r.code, Number(r.n)]));
}

/**
 * Runs that ended after `since` (oldest first), dry runs included; `status` keeps one status (filtered
 * in SQL: a busy company's per-user runs must not crowd a failed bulk run out of the limit).
 */
export async function runsFinishedSince(
  db: Kysely<SyncDatabase>,
  since: Date,
  o: { status?: string; limit?: number } = {},
): Promise<FinishedRun[]> {
  let q = db
    .selectFrom('sync.runs')
    .select(['id', 'kind', 'status', 'workflow_id', 'dry_run', 'reason', 'finished_at'])
    .where('finished_at', '>', since);
  if (o.status !== undefined) q = q.where('status', '=', o.status);
  const rows = await q
    .orderBy('finished_at')
    .limit(o.limit ?? 500)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    workflowId: r.workflow_id,
    dryRun: r.dry_run,
    reason: r.reason,
    finishedAt: r.finished_at as Date,
  }));
}
