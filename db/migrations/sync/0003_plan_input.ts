import { type Kysely, sql } from 'kysely';

// What each user's state was planned from (the Engage row's digest and the planning context's), so a
// daily run can pass over users whose inputs are the same without reading or planning them again.
// Null = unknown (older state, or written by a path that does not vouch for it): planned as before.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('sync').alterTable('users').addColumn('plan_input', 'text').execute();
  // A state changed by a writer that does not set plan_input (an older worker during a rolling
  // deploy, an operator's SQL) no longer vouches for its recorded input: the next run plans it.
  await sql`
    CREATE FUNCTION ${sql.table('sync.users_forget_plan_input')}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.plan_input IS NOT DISTINCT FROM OLD.plan_input AND (
           NEW.visitor_user_id IS DISTINCT FROM OLD.visitor_user_id
        OR NEW.user_name IS DISTINCT FROM OLD.user_name
        OR NEW.attributes IS DISTINCT FROM OLD.attributes
        OR NEW.owned_access_digest IS DISTINCT FROM OLD.owned_access_digest
        OR NEW.fingerprint IS DISTINCT FROM OLD.fingerprint
        OR NEW.deprovisioned IS DISTINCT FROM OLD.deprovisioned) THEN
        NEW.plan_input := NULL;
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER users_forget_plan_input BEFORE UPDATE ON ${sql.table('sync.users')}
    FOR EACH ROW EXECUTE FUNCTION ${sql.table('sync.users_forget_plan_input')}()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS users_forget_plan_input ON ${sql.table('sync.users')}`.execute(db);
  await sql`DROP FUNCTION IF EXISTS ${sql.table('sync.users_forget_plan_input')}()`.execute(db);
  await db.schema.withSchema('sync').alterTable('users').dropColumn('plan_input').execute();
}
