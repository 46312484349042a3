// The stack check's activity: a row in sync.runs, so the check proves the worker reaches PostgreSQL.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../../../db/sync-schema';

export function stackCheckActivities(db: Kysely<SyncDatabase>) {
  return {
    /** Records a finished stack-check run (idempotent per workflow id) and returns how many exist. */
    async recordStackCheck(workflowId: string): Promise<number> {
      await db
        .insertInto('sync.runs')
        .values({
          id: workflowId,
          kind: 'stack-check',
          status: 'completed',
          workflow_id: workflowId,
          finished_at: new Date(),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      const row = await db
        .selectFrom('sync.runs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('kind', '=', 'stack-check')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type StackCheckActivities = ReturnType<typeof stackCheckActivities>;
