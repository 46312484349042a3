import { type Kysely, sql } from 'kysely';

// The sync's memory between runs: Engage ↔ Visitor id maps, what was last written (so unchanged users
// cost no SCIM call), invitations, and the provisioning log.
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema.withSchema('sync');

  await s
    .createTable('locations')
    .addColumn('engage_location_id', 'integer', (c) => c.primaryKey())
    .addColumn('visitor_location_id', 'text', (c) => c.notNull().unique())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    // linked | orphaned (its Engage location is gone; never deleted in Visitor)
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('linked'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Distinct access sets (location id → role), content-addressed by the sha256 of their JSON.
  await s
    .createTable('access_sets')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('access', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await s
    .createTable('users')
    .addColumn('engage_user_id', 'integer', (c) => c.primaryKey())
    .addColumn('visitor_user_id', 'text')
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull())
    // What the sync owns, by reference: thousands of users share a handful of access sets.
    .addColumn('owned_access_digest', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('deprovisioned', 'boolean', (c) => c.notNull().defaultTo(false))
    // none | pending | sent | skipped | cancelled | disabled
    .addColumn('invitation_status', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('invitation_run_id', 'text')
    .addColumn('invitation_due_at', 'timestamptz')
    .addColumn('invitation_sent_at', 'timestamptz')
    .addColumn('created_by_run', 'text')
    .addColumn('last_run_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE UNIQUE INDEX users_visitor_user_id_idx ON ${sql.table('sync.users')} (visitor_user_id) WHERE visitor_user_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX users_pending_invitations_idx ON ${sql.table('sync.users')} (invitation_run_id, engage_user_id) WHERE invitation_status = 'pending'`.execute(
    db,
  );

  // Users whose last attempt failed: shown to operators and retried with growing back-off.
  await s
    .createTable('user_failures')
    .addColumn('engage_user_id', 'integer', (c) => c.primaryKey())
    .addColumn('codes', sql`text[]`, (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addColumn('failure_count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('first_failed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_failed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_run_id', 'text', (c) => c.notNull())
    .execute();

  // Deletions a run has decided on, applied after every other change (and, later, after approval).
  await s
    .createTable('pending_deletions')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('engage_user_id', 'integer', (c) => c.notNull())
    .addColumn('visitor_user_id', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    // pending | applied | rejected
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pending_deletions_pk', ['run_id', 'engage_user_id'])
    .execute();

  // The provisioning log: every action on every object. No secrets; attribute names, not values.
  await s
    .createTable('log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('engage_id', 'integer')
    .addColumn('visitor_id', 'text')
    .addColumn('user_name', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('attributes', sql`text[]`)
    .addColumn('detail', 'jsonb')
    .addColumn('duration_ms', 'integer')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await s.createIndex('log_run_idx').on('log').columns(['run_id', 'outcome']).execute();
  await s.createIndex('log_engage_idx').on('log').columns(['object_type', 'engage_id', 'at']).execute();
  await sql`CREATE INDEX log_user_name_idx ON ${sql.table('sync.log')} (lower(user_name), at)`.execute(db);

  // Full reconciles also read Visitor; the schedule makes every Nth day one.
  await s
    .alterTable('runs')
    .addColumn('full', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  // At most one bulk run (initial or daily) at a time: the second one to begin is refused.
  await sql`CREATE UNIQUE INDEX runs_one_active_bulk ON ${sql.table('sync.runs')} ((true)) WHERE status IN ('running', 'awaiting-approval') AND kind IN ('initial', 'daily')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS ${sql.table('sync.runs_one_active_bulk')}`.execute(db);
  await db.schema.withSchema('sync').alterTable('runs').dropColumn('full').execute();
  for (const t of ['log', 'pending_deletions', 'user_failures', 'users', 'access_sets', 'locations']) {
    await db.schema.withSchema('sync').dropTable(t).execute();
  }
}
