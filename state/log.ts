// The provisioning log (sync.log): every action on every object. No secrets; attribute names, not
// values. Entries are built by engine/log-entries.ts.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { LogEntry } from '../engine/ports';

export class ProvisioningLog {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /** Appends the entries in one statement; an empty batch writes nothing. */
  async write(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#db.insertInto('sync.log').values(entries.map(logRow)).execute();
  }
}

/** An entry as sync.log stores it (detail as JSON). */
export const logRow = (e: LogEntry) => ({ ...e, detail: e.detail ? JSON.stringify(e.detail) : null });
