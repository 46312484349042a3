import { type Kysely, sql } from 'kysely';

// The Engage change feed's durable state, one row per company (in its own state schema): the
// watermarks in Engage's clock, the worker holding the feed's lease, how far it has read, and a bulk
// run it asked for and has not seen begin.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ${sql.table('sync.change_feed')} (
      id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
      users_watermark timestamptz(3),
      locations_watermark timestamptz(3),
      bulk_requested_at timestamptz(3),
      -- Rows stamped at or before this are covered by the runs before the feed began or by a bulk run.
      floor timestamptz(3),
      caught_up_to timestamptz(3),
      holder text,
      lease_until timestamptz,
      polled_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table('sync.change_feed')}`.execute(db);
}
