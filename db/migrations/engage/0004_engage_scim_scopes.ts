import { type Kysely, sql } from 'kysely';

// Least privilege for Engage SCIM clients: what each client may do. Identity providers create and
// update people; granting an Engage admin type ('admin_types') is off unless given when the client is
// created. Clients created before this migration keep what they could do, minus admin types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE engage.scim_clients ADD COLUMN scopes text[] NOT NULL
      DEFAULT ARRAY['read', 'users', 'groups']::text[]
      CHECK (scopes <@ ARRAY['read', 'users', 'groups', 'admin_types']::text[])`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE engage.scim_clients DROP COLUMN IF EXISTS scopes`.execute(db);
}
