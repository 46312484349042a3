// Read-only queries the CLIs run on the sync's own tables (runs, provisioning log, held deletions).
import { type Kysely, type Selectable, sql } from 'kysely';
import type { LogTable, SyncDatabase } from '../db/sync-schema';

export type Db = Kysely<SyncDatabase>;

export interface RunRow {
  id: string;
  kind: string;
  status: string;
  workflow_id: string;
  started_by: string;
  dry_run: boolean;
  counts: Record<string, number>;
  reason: string | null;
  started_at: Date;
  finished_at: Date | null;
}

const RUN_COLUMNS = [
  'id',
  'kind',
  'status',
  'workflow_id',
  'started_by',
  'dry_run',
  'counts',
  'reason',
  'started_at',
  'finished_at',
] as const;

/** Newest first. */
/** Newest first; `kind` keeps one kind of run (`initial` includes its dry runs, `initial-dry-run`). */
export async function recentRuns(db: Db, limit: number, kind?: string): Promise<RunRow[]> {
  let q = db.selectFrom('sync.runs').select(RUN_COLUMNS);
  if (kind !== undefined)
    q = q.where((eb) => eb.or([eb('kind', '=', kind), eb('kind', 'like', `${kind}-%`)]));
  return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function runById(db: Db, id: string): Promise<RunRow | undefined> {
  return db.selectFrom('sync.runs').select(RUN_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function runsByIds(db: Db, ids: string[]): Promise<Map<string, RunRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('sync.runs').select(RUN_COLUMNS).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Real (not dry-run) initial/daily runs the database believes are active — the same set the
 * one-bulk-run index guards. A row may outlive a terminated workflow, so callers confirm with Temporal.
 */
export async function activeBulkRuns(db: Db): Promise<RunRow[]> {
  return db
    .selectFrom('sync.runs')
    .select(RUN_COLUMNS)
    .where('status', 'in', ['running', 'awaiting-approval'])
    .where('kind', 'in', ['initial', 'daily'])
    .orderBy('started_at', 'desc')
    .execute();
}

/** Newest bulk run still marked active, dry runs included (what `watch` without an id follows). */
export async function newestActiveRun(db: Db): Promise<RunRow | undefined> {
  return db
    .selectFrom('sync.runs')
    .select(RUN_COLUMNS)
    .where('status', 'in', ['running', 'awaiting-approval'])
    .where('kind', 'in', ['initial', 'daily', 'initial-dry-run', 'daily-dry-run'])
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface PendingDeletionRow {
  engage_user_id: number;
  visitor_user_id: string;
  mode: string;
  reason: string;
}

/** Deletions a run holds for an operator's decision: how many, and the first `limit` by Engage id. */
export async function pendingDeletions(
  db: Db,
  runId: string,
  limit: number,
): Promise<{ total: number; rows: PendingDeletionRow[] }> {
  const base = db
    .selectFrom('sync.pending_deletions')
    .where('run_id', '=', runId)
    .where('status', '=', 'pending');
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    base
      .select(['engage_user_id', 'visitor_user_id', 'mode', 'reason'])
      .orderBy('engage_user_id')
      .limit(limit)
      .execute(),
  ]);
  return { total: Number(count.n), rows };
}

export interface DecisionRow {
  id: number;
  status: string;
  reason: string;
  opened_at: Date;
  expires_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  workflow_key: string;
  held: number;
}

/** The pending deletion decision, if any; otherwise the latest closed one (null when none ever). */
export async function deletionDecision(db: Db): Promise<DecisionRow | null> {
  const row = await db
    .selectFrom('sync.deletion_decisions as d')
    .select([
      'd.id',
      'd.status',
      'd.reason',
      'd.opened_at',
      'd.expires_at',
      'd.decided_by',
      'd.decided_at',
      'd.workflow_key',
    ])
    .select((eb) =>
      eb
        .selectFrom('sync.held_deletions as h')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('h.decision_id', '=', 'd.id')
        .as('held'),
    )
    .orderBy(sql`d.status = 'pending'`, 'desc')
    .orderBy('d.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { ...row, id: Number(row.id), held: Number(row.held ?? 0) } : null;
}

/** The deletions held for a decision: the first `limit` by Engage id. */
export async function heldDeletions(
  db: Db,
  decisionId: number,
  limit: number,
): Promise<PendingDeletionRow[]> {
  return db
    .selectFrom('sync.held_deletions')
    .select(['engage_user_id', 'visitor_user_id', 'mode', 'reason'])
    .where('decision_id', '=', String(decisionId))
    .orderBy('engage_user_id')
    .limit(limit)
    .execute();
}

/** One provisioning-log row, as stored. */
export type LogRow = Selectable<LogTable>;

const LOG_COLUMNS = [
  'id',
  'run_id',
  'object_type',
  'engage_id',
  'visitor_id',
  'user_name',
  'action',
  'outcome',
  'attributes',
  'detail',
  'duration_ms',
  'at',
] as const;

/** What a dry run would do, by action (create, update, delete, …), most frequent first. */
export async function planSummary(db: Db, runId: string): Promise<{ action: string; count: number }[]> {
  const rows = await db
    .selectFrom('sync.log')
    .select(['action', (eb) => eb.fn.countAll<string>().as('n')])
    .where('run_id', '=', runId)
    .where('outcome', '=', 'planned')
    .groupBy('action')
    .orderBy('n', 'desc')
    .orderBy('action')
    .execute();
  return rows.map((r) => ({ action: r.action, count: Number(r.n) }));
}

/** One page of planned entries in log order, after the entry `afterId` (keyset, not offset). */
export async function planPage(
  db: Db,
  runId: string,
  opts: { afterId?: string; limit: number },
): Promise<LogRow[]> {
  let q = db
    .selectFrom('sync.log')
    .select(LOG_COLUMNS)
    .where('run_id', '=', runId)
    .where('outcome', '=', 'planned');
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  return q.orderBy('id').limit(opts.limit).execute();
}

/** Every planned entry of a run, fetched page by page so a 100k-user plan never sits in memory. */
export async function* planEntries(db: Db, runId: string, pageSize = 1000): AsyncGenerator<LogRow> {
  let afterId: string | undefined;
  for (;;) {
    const page = await planPage(db, runId, { afterId, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    afterId = page[page.length - 1]!.id;
  }
}

export interface LogFilter {
  /** An Engage user id (all digits) or a user name / e-mail (case-insensitive). */
  user?: string;
  /** A run id, or a workflow id: every run of that workflow (a user's per-user runs). */
  runId?: string;
  outcome?: string;
  limit: number;
}

/** The provisioning log, newest first. */
export async function logEntries(db: Db, filter: LogFilter): Promise<LogRow[]> {
  let q = db.selectFrom('sync.log').select(LOG_COLUMNS);
  if (filter.user !== undefined) {
    const user = filter.user.trim();
    q = /^\d+$/.test(user)
      ? q.where('object_type', '=', 'user').where('engage_id', '=', Number(user))
      : // Matches the lower(user_name) index.
        q.where(sql`lower(user_name)`, '=', user.toLowerCase());
  }
  if (filter.runId !== undefined) {
    const id = filter.runId;
    // A per-user workflow's id (provision-user-<id>) names each of its runs: all of them match.
    q = q.where((eb) =>
      eb.or([
        eb('run_id', '=', id),
        eb('run_id', 'in', eb.selectFrom('sync.runs').select('id').where('workflow_id', '=', id)),
      ]),
    );
  }
  if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export interface FailingUsers {
  failing: number;
  /** Waiting out their back-off: skipped by runs until next_attempt_at (or a change in Engage). */
  quarantined: number;
  nextAttemptAt: Date | null;
}

export async function failingUsers(db: Db, now = new Date()): Promise<FailingUsers> {
  const row = await db
    .selectFrom('sync.user_failures')
    .select((eb) => [
      eb.fn.countAll<string>().as('failing'),
      eb.fn.count<string>('engage_user_id').filterWhere('next_attempt_at', '>', now).as('quarantined'),
      eb.fn.min('next_attempt_at').filterWhere('next_attempt_at', '>', now).as('next'),
    ])
    .executeTakeFirstOrThrow();
  return {
    failing: Number(row.failing),
    quarantined: Number(row.quarantined),
    nextAttemptAt: row.next ? new Date(row.next as unknown as string) : null,
  };
}
