// The claim book of alerts (sync.alerts_sent, shared by every worker): the worker whose INSERT wins
// sends the alert. A claim that never reached 'sent' (its worker died, or the webhook kept failing) is
// taken over once its lease has passed, so an alert is sent at least once — rarely twice.
import { type Kysely, sql } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';

type Db = Kysely<SyncDatabase>;

/** The configured company's rows carry tenant ''. */
const tenantKey = (tenant: string | undefined) => tenant ?? '';

/**
 * Claims the alert for this worker: true when it is this worker's to send. A new key is claimed by
 * its INSERT; a key claimed before is taken over only when still 'claimed' past the lease.
 */
export async function claimAlert(
  db: Db,
  tenant: string | undefined,
  key: string,
  leaseMs: number,
): Promise<boolean> {
  const inserted = await db
    .insertInto('sync.alerts_sent')
    .values({ tenant: tenantKey(tenant), key })
    .onConflict((oc) => oc.columns(['tenant', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return true;
  // One UPDATE decides between racing workers: the row lock makes the second see the fresh claimed_at.
  const taken = await db
    .updateTable('sync.alerts_sent')
    .set({ claimed_at: sql<Date>`now()`, attempts: sql<number>`attempts + 1` })
    .where('tenant', '=', tenantKey(tenant))
    .where('key', '=', key)
    .where('status', '=', 'claimed')
    .where('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${leaseMs / 1000})`)
    .returning('key')
    .executeTakeFirst();
  return taken !== undefined;
}

/** The claim's end: 'sent', or 'failed' when every webhook refused it for good. */
export async function settleAlert(
  db: Db,
  tenant: string | undefined,
  key: string,
  status: 'sent' | 'failed',
): Promise<void> {
  await db
    .updateTable('sync.alerts_sent')
    .set({ status, ...(status === 'sent' ? { sent_at: sql<Date>`now()` } : {}) })
    .where('tenant', '=', tenantKey(tenant))
    .where('key', '=', key)
    .execute();
}

/**
 * Gives up on a claim retried this many times: it stays unsent ('failed') rather than being tried
 * every lease forever. True when it did.
 */
export async function abandonAlert(
  db: Db,
  tenant: string | undefined,
  key: string,
  maxAttempts: number,
): Promise<boolean> {
  const row = await db
    .updateTable('sync.alerts_sent')
    .set({ status: 'failed' })
    .where('tenant', '=', tenantKey(tenant))
    .where('key', '=', key)
    .where('status', '=', 'claimed')
    .where('attempts', '>=', maxAttempts)
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}

/** Forgets claims older than `olderThanMs`: far beyond the look-back window, so nothing is re-sent. */
export async function pruneAlerts(db: Db, olderThanMs: number): Promise<number> {
  const res = await db
    .deleteFrom('sync.alerts_sent')
    .where('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .where('status', '<>', 'claimed')
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
