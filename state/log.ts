// The provisioning log (sync.log): every action on every object. No secrets. An update records its
// attributes' old → new values (detail.changes): the log is the operator's record of what the sync
// wrote, kept in the sync's own database. Entries are built by engine/log-entries.ts.
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
