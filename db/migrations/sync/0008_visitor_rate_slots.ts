import { type Kysely, sql } from 'kysely';

// The slot book every worker shares for one Visitor company (scim/pacer.ts): the end of the last
// request slot booked. The configured rate is then the total of the deployment, not per worker.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('sync')
    .createTable('visitor_rate_slots')
    // A digest of the Visitor URL and token: one book per company, and no secret in the database.
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('next_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').dropTable('visitor_rate_slots').ifExists().execute();
}
