import { type Kysely, sql } from 'kysely';

// The alerts the webhook alerter (alerts/) has claimed or sent, shared by the whole deployment: with
// several workers, the one whose INSERT … ON CONFLICT DO NOTHING wins sends. tenant '' is the
// configured company. A claim left 'claimed' (its worker died) is taken over after a lease.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sync.alerts_sent (
      tenant text NOT NULL DEFAULT '',
      -- What happened, once per event: run-failed:<runId>, awaiting:<type>:<id>, stale:…, quarantined:…
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
      status text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'sent', 'failed')),
      claimed_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
      PRIMARY KEY (tenant, key)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS sync.alerts_sent`.execute(db);
}
