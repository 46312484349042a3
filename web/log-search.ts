// The page's search of the provisioning log: by user, run, action, outcome and time, newest first,
// a page at a time by keyset (ids below the last one shown), never by offset.
import { sql } from 'kysely';
import type { Db, LogRow } from '../clients/runs';

export interface LogSearch {
  /** An Engage user id (all digits) or a user name / e-mail (case-insensitive), as `npm run log`. */
  user?: string;
  runId?: string;
  action?: string;
  outcome?: string;
  from?: Date;
  toExclusive?: Date;
  /** Only entries older than this id (the previous page's last). */
  before?: string;
  limit: number;
}

export async function searchLog(db: Db, s: LogSearch): Promise<LogRow[]> {
  let q = db.selectFrom('sync.log').selectAll();
  if (s.user !== undefined) {
    q = /^\d+$/.test(s.user)
      ? q.where('object_type', '=', 'user').where('engage_id', '=', Number(s.user))
      : // Matches the lower(user_name) index.
        q.where(sql`lower(user_name)`, '=', s.user.toLowerCase());
  }
  if (s.runId !== undefined) q = q.where('run_id', '=', s.runId);
  if (s.action !== undefined) q = q.where('action', '=', s.action);
  if (s.outcome !== undefined) q = q.where('outcome', '=', s.outcome);
  if (s.from) q = q.where('at', '>=', s.from);
  if (s.toExclusive) q = q.where('at', '<', s.toExclusive);
  if (s.before !== undefined) q = q.where('id', '<', s.before);
  // Ids grow with time: the newest entries first, and a stable order for the keyset.
  return q.orderBy('id', 'desc').limit(s.limit).execute();
}

/** Every entry of a search, fetched a page at a time so an export never holds the log in memory. */
export async function* searchAll(
  db: Db,
  s: Omit<LogSearch, 'limit'>,
  pageSize = 1000,
): AsyncGenerator<LogRow> {
  let before = s.before;
  for (;;) {
    const page = await searchLog(db, { ...s, ...(before !== undefined ? { before } : {}), limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    before = page[page.length - 1]!.id;
  }
}
