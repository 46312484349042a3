// A reviewed dry-run plan against a fresh one (the check before an initial sync applies what was
// reviewed): what each run says of each object, compared object by object in the database, so
// 100,000 equal users cost one scan of each plan rather than rows in memory.
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { PlanDifference } from '../engine/ports';

/**
 * What a dry run says of one object: its newest entry (a retried page logs its users again), every
 * outcome (a user the dry run could not plan is part of the plan too), and what the entry records of
 * the plan itself — the Visitor object it names, the attributes, the digest of what it writes, the
 * invitation, the reason of a skip, a failure or a held location.
 */
interface Says {
  action: string;
  outcome: string;
  visitor: string | null;
  attributes: string[] | null;
  plan: unknown;
  invitation: unknown;
  reason: unknown;
  failures: unknown;
  refused: unknown;
  candidates: string[] | null;
}

const SAYS = sql<Says>`jsonb_build_object(
  'action', l.action, 'outcome', l.outcome, 'visitor', l.visitor_id, 'attributes', l.attributes,
  'plan', l.detail->'plan', 'invitation', l.detail->'invitation', 'reason', l.detail->'reason',
  'failures', l.detail->'failures', 'refused', l.detail->'refused_match', 'candidates', l.detail->'candidates')`;

interface Row {
  object_type: 'user' | 'location';
  engage_id: number;
  reviewed: Says | null;
  fresh: Says | null;
}

/**
 * The operator's answer to a proposal is what review is for, not a change: a proposed location match
 * (or one of an ambiguous location's candidates) met by that match going through, or by the
 * location's own site once the proposal was refused.
 */
function answersProposal(row: Row): boolean {
  const { reviewed: r, fresh: f } = row;
  if (row.object_type !== 'location' || !r || !f || r.action !== 'propose-match') return false;
  const proposed = r.visitor !== null ? [r.visitor] : (r.candidates ?? []);
  if (f.action === 'match') return f.reason === null && f.visitor !== null && proposed.includes(f.visitor);
  return f.action === 'create' && typeof f.refused === 'string' && proposed.includes(f.refused);
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
      SELECT DISTINCT ON (l.object_type, l.engage_id) l.object_type, l.engage_id, ${SAYS} AS says
      FROM ${sql.table('sync.log')} l
      WHERE l.run_id = ${runId} AND l.engage_id IS NOT NULL AND l.object_type IN ('user', 'location')
      ORDER BY l.object_type, l.engage_id, l.id DESC`;
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
        const reviewed = r.reviewed ? [r.reviewed.action] : [];
        const now = r.fresh ? [r.fresh.action] : [];
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
