import { type Kysely, sql } from 'kysely';

// The tenant registry (issue 17): one row per company the deployment serves. Secrets (the Engage
// database URL, the Visitor token) are sealed by state/secret-box.ts, never stored in plain; after
// an offboarded tenant's grace period they are set to null and secrets_purged_at says when.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sync.tenants (
      -- Goes into workflow ids and schedule ids: a slug, 2-40 characters, no leading/trailing hyphen.
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$'),
      display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
      engage_kind text NOT NULL CHECK (engage_kind IN ('database', 'schema')),
      engage_database_url_sealed text,
      engage_schema text CHECK (engage_schema ~ '^[a-z_][a-z0-9_]{0,62}$'),
      visitor_scim_url text NOT NULL,
      visitor_token_sealed text,
      options jsonb NOT NULL DEFAULT '{}',
      schedule_time text NOT NULL DEFAULT '02:00' CHECK (schedule_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      schedule_time_zone text NOT NULL DEFAULT 'UTC',
      schedule_interval_ms bigint NOT NULL DEFAULT 86400000 CHECK (schedule_interval_ms > 0),
      schedule_jitter_ms integer NOT NULL DEFAULT 0 CHECK (schedule_jitter_ms >= 0),
      state text NOT NULL DEFAULT 'onboarding'
        CHECK (state IN ('onboarding', 'active', 'paused', 'offboarded')),
      state_note text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      offboarded_at timestamptz,
      purge_after timestamptz,
      secrets_purged_at timestamptz,
      CHECK ((state = 'offboarded') = (offboarded_at IS NOT NULL AND purge_after IS NOT NULL)),
      CHECK (secrets_purged_at IS NULL OR state = 'offboarded'),
      -- Until the purge, the source's secret or schema and the Visitor token are there.
      CHECK (
        secrets_purged_at IS NOT NULL OR (
          visitor_token_sealed IS NOT NULL AND (
            (engage_kind = 'database' AND engage_database_url_sealed IS NOT NULL AND engage_schema IS NULL) OR
            (engage_kind = 'schema' AND engage_schema IS NOT NULL AND engage_database_url_sealed IS NULL)
          )
        )
      )
    )`.execute(db);
  // purgeOffboarded's look-up: offboarded tenants whose secrets are still there.
  await sql`
    CREATE INDEX tenants_purge_due ON sync.tenants (purge_after)
    WHERE state = 'offboarded' AND secrets_purged_at IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS sync.tenants`.execute(db);
}
