import { type Kysely, sql } from 'kysely';

// A random key per deletion decision, part of its workflow id: decision ids count per sync database,
// and many databases (tenants, test runs) share one Temporal namespace.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('sync')
    .alterTable('deletion_decisions')
    .addColumn('workflow_key', 'text', (c) => c.notNull().defaultTo(sql`substr(md5(random()::text), 1, 10)`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').alterTable('deletion_decisions').dropColumn('workflow_key').execute();
}
