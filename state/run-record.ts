// What a run recorded, from which its counts are derived (engine/run-counts.ts): the users each page's
// range held (sync.run_pages), each user's newest log row of the run, the deletions its pages held.
// Log rows commit with the states they describe, so this survives any number of crashed attempts.
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { RunRecord } from '../engine/ports';

export class RunRecords {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /** The attempt that finishes a page records its range's users; a later attempt's figure replaces it. */
  async recordPage(runId: string, afterId: number | null, processed: number): Promise<void> {
    await this.#db
      .insertInto('sync.run_pages')
      .values({ run_id: runId, after_id: afterId ?? 0, processed })
      .onConflict((oc) =>
        oc.columns(['run_id', 'after_id']).doUpdateSet({ processed, recorded_at: new Date() }),
      )
      .execute();
  }

  async record(runId: string): Promise<RunRecord> {
    const [pages, outcomes, held] = await Promise.all([
      this.#db
        .selectFrom('sync.run_pages')
        .select((eb) => [eb.fn.sum<string | null>('processed').as('n'), eb.fn.countAll<string>().as('pages')])
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow(),
      // Each user's newest row: a user retried after a failure counts once, as what happened last.
      sql<{ action: string; outcome: string; invited: boolean; invitation: string | null; n: string }>`
        with newest as (
          select distinct on (engage_id) action, outcome, detail
          from ${sql.table('sync.log')}
          where run_id = ${runId} and object_type = 'user' and engage_id is not null and action <> 'invite'
          order by engage_id, id desc)
        select action, outcome, coalesce((detail->>'invited')::boolean, false) as invited,
               detail->>'invitation' as invitation, count(*) as n
        from newest group by 1, 2, 3, 4`.execute(this.#db),
      sql<{ held: string; for_decision: string; not_logged: string }>`
        select count(*) as held,
               count(*) filter (where d.status = 'held') as for_decision,
               count(*) filter (where not exists (
                 select 1 from ${sql.table('sync.log')} l
                 where l.run_id = d.run_id and l.object_type = 'user' and l.engage_id = d.engage_user_id
                   and l.action <> 'invite')) as not_logged
        from ${sql.table('sync.pending_deletions')} d where d.run_id = ${runId}`.execute(this.#db),
    ]);
    return {
      processed: Number(pages.pages) > 0 ? Number(pages.n ?? 0) : null,
      outcomes: outcomes.rows.map((r) => ({ ...r, n: Number(r.n) })),
      heldDeletions: Number(held.rows[0]?.held ?? 0),
      heldNotLogged: Number(held.rows[0]?.not_logged ?? 0),
      heldForDecision: Number(held.rows[0]?.for_decision ?? 0),
    };
  }
}
