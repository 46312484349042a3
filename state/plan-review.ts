// A reviewed dry-run plan against a fresh one (the check before an initial sync applies what was
// reviewed): what each object's planned entries say, compared object by object in the database, so
// 100,000 equal users cost one scan of each plan rather than rows in memory.
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { PlanDifference } from '../engine/ports';

/**
 * What an object's planned entries say: the action, the Visitor object it names (an adoption, a
 * match), the attributes, and what the dry run recorded of the plan itself (its digest, the
 * invitation, the reason of a skip or a failure).
 */
const SAYS = sql<string>`string_agg(
  l.action || '|' || coalesce(l.visitor_id, '') || '|' || coalesce(array_to_string(l.attributes, ','), '')
    || '|' || coalesce(l.detail->>'plan', '') || '|' || coalesce(l.detail->>'invitation', '')
    || '|' || coalesce(l.detail->>'reason', '') || '|' || coalesce(l.detail->>'refused_match', ''),
  ' & ' ORDER BY l.action, l.visitor_id)`;

interface Row {
  object_type: 'user' | 'location';
  engage_id: number;
  reviewed: string | null;
  fresh: string | null;
}

/** One action out of SAYS: [action, visitorId, refusedMatch]. */
function parts(says: string | null): { action: string; visitorId: string; refused: string }[] {
  if (says === null) return [];
  return says.split(' & ').map((s) => {
    const f = s.split('|');
    return { action: f[0]!, visitorId: f[1]!, refused: f[6] ?? '' };
  });
}

/**
 * The operator's answer to a proposal is what review is for, not a change: a proposed location
 * match is met by that match, or by the location's own site once the proposal was refused.
 */
function answersProposal(row: Row): boolean {
  if (row.object_type !== 'location') return false;
  const [r, f] = [parts(row.reviewed), parts(row.fresh)];
  if (r.length !== 1 || f.length !== 1 || r[0]!.action !== 'propose-match') return false;
  const proposed = r[0]!.visitorId;
  return (
    (f[0]!.action === 'match' && f[0]!.visitorId === proposed) ||
    (f[0]!.action === 'create' && f[0]!.refused === proposed)
  );
}

function changeOf(reviewed: string[], now: string[]): PlanDifference['change'] {
  if (reviewed.length === 0) return 'not in the reviewed plan';
  if (now.length === 0) return 'no longer planned';
  return reviewed.join() === now.join() ? 'what it writes changed' : 'another action';
}

export class PlanReview {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /** Every object whose planned entries differ between the two runs; the first `limit` of them. */
  async differences(
    reviewedRunId: string,
    freshRunId: string,
    limit: number,
  ): Promise<{ total: number; first: PlanDifference[] }> {
    const plan = (runId: string) => sql`
      SELECT l.object_type, l.engage_id, ${SAYS} AS says
      FROM sync.log l
      WHERE l.run_id = ${runId} AND l.outcome = 'planned' AND l.engage_id IS NOT NULL
        AND l.object_type IN ('user', 'location')
      GROUP BY l.object_type, l.engage_id`;
    const rows = await sql<Row>`
      SELECT coalesce(r.object_type, f.object_type) AS object_type,
             coalesce(r.engage_id, f.engage_id) AS engage_id,
             r.says AS reviewed, f.says AS fresh
      FROM (${plan(reviewedRunId)}) r
      FULL JOIN (${plan(freshRunId)}) f ON f.object_type = r.object_type AND f.engage_id = r.engage_id
      WHERE r.says IS DISTINCT FROM f.says
      ORDER BY 1, 2`.execute(this.#db);
    const differing = rows.rows.filter((r) => !answersProposal(r));
    return {
      total: differing.length,
      first: differing.slice(0, limit).map((r) => {
        const reviewed = parts(r.reviewed).map((p) => p.action);
        const now = parts(r.fresh).map((p) => p.action);
        return {
          objectType: r.object_type,
          engageId: r.engage_id,
          reviewed,
          now,
          change: changeOf(reviewed, now),
        };
      }),
    };
  }
}
