import { type Kysely, sql } from 'kysely';

// Engage's administrator access levels as Eptura documents them: Global, Country, Location, Group and
// Video administrators, and users (plus vendors). A Country administrator administers countries, and
// through them every location whose country is one of them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE engage.users DROP CONSTRAINT users_user_type_check`.execute(db);
  await sql`
    ALTER TABLE engage.users ADD CONSTRAINT users_user_type_check CHECK (user_type IN (
      'global_admin', 'country_admin', 'location_admin', 'group_admin', 'video_admin', 'regular', 'vendor'))`.execute(
    db,
  );
  await sql`
    CREATE TABLE engage.country_admins (
      user_id integer NOT NULL REFERENCES engage.users (id) ON DELETE CASCADE,
      country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
      PRIMARY KEY (user_id, country)
    )`.execute(db);
  await sql`CREATE INDEX locations_country_idx ON engage.locations (country)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS engage.locations_country_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS engage.country_admins`.execute(db);
  await sql`ALTER TABLE engage.users DROP CONSTRAINT users_user_type_check`.execute(db);
  await sql`
    ALTER TABLE engage.users ADD CONSTRAINT users_user_type_check
      CHECK (user_type IN ('global_admin', 'location_admin', 'regular', 'vendor'))`.execute(db);
}
