// Reads one company's snapshot for the alert rules: through state/operator-view.ts, as the metrics and
// the log page read it, so the three agree.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import {
  awaitingDecisions,
  lastSuccesses,
  quarantinedCount,
  runsFinishedSince,
} from '../state/operator-view';
import type { CompanySnapshot } from './decide';

/** A company the alerter watches. */
export interface WatchedCompany {
  tenant: string | undefined;
  intervalMs: number;
  /** A tenant's registration: when it never ran, the clock starts there. */
  registeredAt?: Date;
}

/** When the company's first run started, or null before any. */
async function firstRunAt(db: Kysely<SyncDatabase>): Promise<Date | null> {
  const row = await db
    .selectFrom('sync.runs')
    .select((eb) => eb.fn.min('started_at').as('first'))
    .executeTakeFirst();
  return (row?.first as Date | null | undefined) ?? null;
}

/**
 * `db` is the company's state (tenantSyncDb). Only runs that ended after `lookBackFrom` are read: a
 * new alerter does not replay a history of failures.
 */
export async function readSnapshot(
  db: Kysely<SyncDatabase>,
  company: WatchedCompany,
  lookBackFrom: Date,
): Promise<CompanySnapshot> {
  const [successes, awaiting, quarantined, finished, first] = await Promise.all([
    lastSuccesses(db),
    awaitingDecisions(db),
    quarantinedCount(db),
    runsFinishedSince(db, lookBackFrom, { status: 'failed' }),
    firstRunAt(db),
  ]);
  return {
    tenant: company.tenant,
    intervalMs: company.intervalMs,
    lastSuccesses: successes,
    awaiting,
    quarantined,
    finished,
    // Its first run starts the clock; a tenant that never ran, its registration; else nothing yet.
    expectedSince: first ?? company.registeredAt ?? null,
  };
}
