import { type Kysely, sql } from 'kysely';

// What the Engage SCIM API adds to the Engage stand-in: the enterprise-extension and displayName
// columns identity providers write, groups (UUID ids so a group can never be mistaken for a user
// when it appears as a member), the change outbox that feeds per-user provisioning, and SCIM clients
// and tokens (hashes only).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE engage.users
      ADD COLUMN display_name text,
      ADD COLUMN department text,
      ADD COLUMN cost_center text,
      ADD COLUMN employee_number text`.execute(db);

  await sql`
    CREATE TABLE engage.groups (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      display_name text NOT NULL CHECK (btrim(display_name) <> ''),
      external_id text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TRIGGER groups_touch_updated_at BEFORE UPDATE ON engage.groups
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION engage.touch_updated_at()`.execute(db);
  await sql`
    CREATE TABLE engage.group_members (
      group_id uuid NOT NULL REFERENCES engage.groups (id) ON DELETE CASCADE,
      user_id integer NOT NULL REFERENCES engage.users (id) ON DELETE CASCADE,
      PRIMARY KEY (group_id, user_id)
    )`.execute(db);
  await sql`CREATE INDEX group_members_user_id_idx ON engage.group_members (user_id)`.execute(db);

  // No foreign key to users: the row must outlive anything that happens to the user before delivery.
  await sql`
    CREATE TABLE engage.change_outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      engage_user_id integer NOT NULL,
      kind text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      delivered_at timestamptz(3),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      next_attempt_at timestamptz(3) NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE INDEX change_outbox_pending_idx ON engage.change_outbox (next_attempt_at, id)
    WHERE delivered_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE engage.scim_clients (
      id text PRIMARY KEY,
      name text NOT NULL,
      secret_hash text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      revoked_at timestamptz(3)
    )`.execute(db);
  await sql`
    CREATE TABLE engage.scim_tokens (
      id text PRIMARY KEY,
      client_id text NOT NULL REFERENCES engage.scim_clients (id) ON DELETE CASCADE,
      token_hash bytea NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      expires_at timestamptz(3) NOT NULL,
      last_used_at timestamptz(3),
      revoked_at timestamptz(3)
    )`.execute(db);
  await sql`CREATE INDEX scim_tokens_client_id_idx ON engage.scim_tokens (client_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS engage.scim_tokens, engage.scim_clients, engage.change_outbox,
    engage.group_members, engage.groups`.execute(db);
  await sql`
    ALTER TABLE engage.users
      DROP COLUMN IF EXISTS display_name, DROP COLUMN IF EXISTS department,
      DROP COLUMN IF EXISTS cost_center, DROP COLUMN IF EXISTS employee_number`.execute(db);
}
