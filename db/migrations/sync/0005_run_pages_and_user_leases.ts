import { type Kysely, sql } from 'kysely';

// Counts a crash cannot lose: each page records how many users its range held (run_pages), so a run's
// counts are derived from what was recorded (the log, committed with the state) rather than summed
// from the attempts that happened to succeed. And a per-user lease (user_leases): a page and a
// per-user run never act on one user at once, and a dead holder's lease expires.
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema.withSchema('sync');
  await s
    .createTable('run_pages')
    .addColumn('run_id', 'text', (c) => c.notNull())
    // The page's range (after_id, up_to_id]; 0 stands for an open lower bound.
    .addColumn('after_id', 'integer', (c) => c.notNull())
    .addColumn('processed', 'integer', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('run_pages_pk', ['run_id', 'after_id'])
    .execute();
  // The run's counts read its user rows, newest per user.
  await sql`CREATE INDEX log_run_user_idx ON ${sql.table('sync.log')} (run_id, engage_id, id) WHERE object_type = 'user'`.execute(
    db,
  );

  await s
    .createTable('user_leases')
    .addColumn('engage_user_id', 'integer', (c) => c.primaryKey())
    // One activity attempt (a page's or a per-user run's): another attempt of the same activity is
    // another holder.
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').dropTable('user_leases').ifExists().execute();
  await sql`DROP INDEX IF EXISTS ${sql.table('sync.log_run_user_idx')}`.execute(db);
  await db.schema.withSchema('sync').dropTable('run_pages').ifExists().execute();
}
