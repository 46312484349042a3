import { type Kysely, sql } from 'kysely';

// The deletion guard: one budget of deletions shared by bulk runs, per-user runs and workers (the
// ledger), and the deletions held past it for one pending operator decision that expires.
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema.withSchema('sync');
  await s
    .createTable('deletion_ledger')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('engage_user_id', 'integer', (c) => c.notNull())
    // run | user | approved (approved ones are recorded, not counted against the budget)
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('reserved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deletion_ledger_pk', ['run_id', 'engage_user_id'])
    .execute();
  await s.createIndex('deletion_ledger_window_idx').on('deletion_ledger').columns(['reserved_at']).execute();

  await s
    .createTable('deletion_decisions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    // pending | approved | rejected | expired
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .execute();
  // One decision pending at a time: every path's held deletions wait for the same one.
  await sql`CREATE UNIQUE INDEX deletion_decisions_one_pending ON ${sql.table('sync.deletion_decisions')} ((true)) WHERE status = 'pending'`.execute(
    db,
  );

  await s
    .createTable('held_deletions')
    .addColumn('engage_user_id', 'integer', (c) => c.primaryKey())
    .addColumn('decision_id', 'bigint', (c) => c.notNull().references('sync.deletion_decisions.id'))
    .addColumn('visitor_user_id', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('held_by_run', 'text', (c) => c.notNull())
    .addColumn('held_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await s.createIndex('held_deletions_decision_idx').on('held_deletions').columns(['decision_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const s = db.schema.withSchema('sync');
  await s.dropTable('held_deletions').ifExists().execute();
  await s.dropTable('deletion_decisions').ifExists().execute();
  await s.dropTable('deletion_ledger').ifExists().execute();
}
