import { type Kysely, sql } from 'kysely';

// The operator's decisions on Visitor locations that existed before the sync (the company's HQ, its
// default location): 'match' adopts one as an Engage location's site; 'separate' says the proposed
// Visitor location is another site, so the Engage location gets its own.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ${sql.table('sync.location_matches')} (
      engage_location_id integer PRIMARY KEY,
      decision text NOT NULL CHECK (decision IN ('match', 'separate')),
      visitor_location_id text,
      decided_by text NOT NULL,
      decided_at timestamptz NOT NULL DEFAULT now(),
      CHECK (decision = 'separate' OR visitor_location_id IS NOT NULL)
    )`.execute(db);
  // One Visitor location is one site: never matched to two Engage locations.
  await sql`
    CREATE UNIQUE INDEX location_matches_visitor_key ON ${sql.table('sync.location_matches')} (visitor_location_id)
    WHERE decision = 'match'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table('sync.location_matches')}`.execute(db);
}
