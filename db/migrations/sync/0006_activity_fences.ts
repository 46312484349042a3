import { type Kysely, sql } from 'kysely';

// One row per thing an activity writes to Visitor (a run's locations, its invitations, its deletions):
// the attempt that holds it. A newer attempt waits for the older one's row lock, then records its own
// token; an attempt whose token is older than the recorded one never writes (engine/attempt-fence.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema('sync')
    .createTable('activity_fences')
    .addColumn('key', 'text', (c) => c.primaryKey())
    // When Temporal scheduled the holding attempt (ms since the epoch): later attempts have larger ones.
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').dropTable('activity_fences').ifExists().execute();
}
