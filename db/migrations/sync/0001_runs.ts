import { type Kysely, sql } from 'kysely';

// The sync's own schema. `runs` is the per-run record an operator lists with `npm run sync -- status`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createSchema('sync').ifNotExists().execute();
  await db.schema
    .withSchema('sync')
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('dry_run', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('reason', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema
    .withSchema('sync')
    .createIndex('runs_started_at_idx')
    .on('runs')
    .column('started_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').dropTable('runs').execute();
}
