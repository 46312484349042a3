// The page's connection to the sync database: every session read-only, so no code path of the page
// can write, whatever a bug would try (PostgreSQL refuses: "cannot execute … in a read-only transaction").

import type { Db } from '../clients/runs';
import { createDb } from '../db/connect';
import type { SyncDatabase } from '../db/sync-schema';

/** The URL with `-c default_transaction_read_only=on` added to any `options` it already carries. */
export function readOnlyUrl(url: string): string {
  const u = new URL(url);
  const options = u.searchParams.get('options');
  u.searchParams.set('options', `${options ? `${options} ` : ''}-c default_transaction_read_only=on`);
  return u.toString();
}

export function openReadOnlyDb(url: string, poolSize = 4): Db {
  return createDb<SyncDatabase>({ url: readOnlyUrl(url), poolSize, applicationName: 'evs-log-page' });
}
