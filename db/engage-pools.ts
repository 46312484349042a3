// The Engage databases of tenants that have their own: one small pool per database, opened when a run
// needs it and closed when idle. At most `maxOpen` stay open; a pool in use is never closed under its
// user, so the bound is exceeded only while more tenants than that have activities running here.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createDb } from './connect';
import type { EngageDatabase } from './engage-schema';

export interface EngagePoolsOptions {
  /** Connections per tenant database. */
  poolSize: number;
  /** Pools kept open at once (idle ones close first, least recently used first). */
  maxOpen: number;
  /** A pool nobody used for this long closes. */
  idleCloseMs: number;
  /** Tests: how a pool is made. */
  create?: (url: string, poolSize: number) => Kysely<EngageDatabase>;
}

interface Entry {
  db: Kysely<EngageDatabase>;
  refs: number;
  lastUsed: number;
  idle: NodeJS.Timeout | undefined;
}

export interface PoolLease {
  db: Kysely<EngageDatabase>;
  release(): void;
}

export class EngagePools {
  readonly #open = new Map<string, Entry>();
  readonly #create: (url: string, poolSize: number) => Kysely<EngageDatabase>;
  /** Pools opened so far (for the benchmark and tests). */
  opened = 0;

  constructor(private readonly o: EngagePoolsOptions) {
    if (!(o.poolSize >= 1) || !(o.maxOpen >= 1)) throw new RangeError('poolSize and maxOpen must be ≥ 1');
    this.#create =
      o.create ??
      ((url, poolSize) =>
        createDb<EngageDatabase>({ url, poolSize, applicationName: 'engage-visitor-sync (tenant reader)' }));
  }

  /** Pools open now. */
  get openCount(): number {
    return this.#open.size;
  }

  acquire(url: string): PoolLease {
    // The URL holds a password: only its digest is kept as the key.
    const key = createHash('sha256').update(url).digest('hex');
    let e = this.#open.get(key);
    if (!e) {
      this.#evictIdle(this.o.maxOpen - 1);
      e = { db: this.#create(url, this.o.poolSize), refs: 0, lastUsed: Date.now(), idle: undefined };
      this.opened++;
      this.#open.set(key, e);
    }
    const entry = e;
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = undefined;
    entry.refs++;
    entry.lastUsed = Date.now();
    let released = false;
    return {
      db: entry.db,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        entry.lastUsed = Date.now();
        if (entry.refs > 0) return;
        if (this.#open.size > this.o.maxOpen) this.#evictIdle(this.o.maxOpen);
        else {
          entry.idle = setTimeout(() => this.#close(key), this.o.idleCloseMs);
          entry.idle.unref();
        }
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((k) => this.#close(k)));
  }

  /** Closes unused pools, least recently used first, until at most `keep` are open. */
  #evictIdle(keep: number): void {
    const idle = [...this.#open.entries()]
      .filter(([, e]) => e.refs === 0)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [k] of idle) {
      if (this.#open.size <= keep) break;
      void this.#close(k);
    }
  }

  async #close(key: string): Promise<void> {
    const e = this.#open.get(key);
    if (!e || e.refs > 0) return;
    this.#open.delete(key);
    if (e.idle) clearTimeout(e.idle);
    await e.db.destroy().catch(() => {});
  }
}
