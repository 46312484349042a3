// The Engage databases of tenants that have their own: one small pool per database, opened when a query
// needs a connection and closed when idle. A pool is pinned only while one of its connections is
// checked out (not while a tenant's engine is cached), so at most `maxOpen` idle pools stay open and the
// rest are pools some query is using right now — bounded by the queries the worker runs at once.
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { createPool } from './connect';
import type { EngageDatabase } from './engage-schema';

/** What a database's pool must do (pg.Pool; tests use fakes). */
export interface RawPool {
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
}

export interface EngagePoolsOptions {
  /** Connections per tenant database. */
  poolSize: number;
  /** Pools kept open while none of their connections is in use (least recently used close first). */
  maxOpen: number;
  /** A pool none of whose connections was used for this long closes. */
  idleCloseMs: number;
  /**
   * A pool released while more than maxOpen are open closes after this grace (default 1 s), so an
   * activity's next query finds it still open instead of paying a new connection.
   */
  overBoundGraceMs?: number;
  /** Tests: how a database's pool is made. */
  create?: (url: string, poolSize: number) => RawPool;
}

interface Entry {
  pool: RawPool;
  /** Connections checked out now. */
  refs: number;
  /** Order of last use (a counter: uses within one millisecond still order). */
  lastUsed: number;
  idle: NodeJS.Timeout | undefined;
}

function pgPool(url: string, poolSize: number): RawPool {
  return createPool({
    url,
    poolSize,
    applicationName: 'engage-visitor-sync (tenant reader)',
  }) as unknown as RawPool;
}

export class EngagePools {
  readonly #open = new Map<string, Entry>();
  readonly #create: (url: string, poolSize: number) => RawPool;
  #uses = 0;
  /** Pools opened so far (for the benchmark and tests). */
  opened = 0;
  /** The most pools open at once so far. */
  peakOpen = 0;

  constructor(private readonly o: EngagePoolsOptions) {
    if (!(o.poolSize >= 1) || !(o.maxOpen >= 1)) throw new RangeError('poolSize and maxOpen must be ≥ 1');
    this.#create = o.create ?? pgPool;
  }

  /** Pools open now. */
  get openCount(): number {
    return this.#open.size;
  }

  /**
   * A Kysely on the database's pool: each connection it checks out opens the pool if it is closed and
   * pins it until released. Destroying it closes nothing (the pools are this object's).
   */
  db(url: string): Kysely<EngageDatabase> {
    // The URL holds a password: only its digest is kept as the key.
    const key = createHash('sha256').update(url).digest('hex');
    const pool: PostgresPool = {
      connect: () => this.#checkout(key, url),
      end: async () => {},
    };
    return new Kysely<EngageDatabase>({ dialect: new PostgresDialect({ pool }) });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((k) => this.#close(k)));
  }

  async #checkout(key: string, url: string): Promise<PostgresPoolClient> {
    let e = this.#open.get(key);
    if (!e) {
      this.#evictIdle(this.o.maxOpen - 1);
      e = { pool: this.#create(url, this.o.poolSize), refs: 0, lastUsed: ++this.#uses, idle: undefined };
      this.opened++;
      this.#open.set(key, e);
      this.peakOpen = Math.max(this.peakOpen, this.#open.size);
    }
    const entry = e;
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = undefined;
    entry.refs++;
    entry.lastUsed = ++this.#uses;
    let client: PostgresPoolClient;
    try {
      client = await entry.pool.connect();
    } catch (err) {
      this.#unpin(key, entry);
      // An unreachable database keeps no slot: its retries would push healthy idle pools out.
      if (entry.refs === 0) void this.#close(key);
      throw err;
    }
    // pg sets release() afresh at every checkout; this one also unpins the pool, once.
    const release = client.release.bind(client) as (err?: unknown) => void;
    let released = false;
    client.release = ((err?: unknown) => {
      release(err);
      if (released) return;
      released = true;
      this.#unpin(key, entry);
    }) as PostgresPoolClient['release'];
    return client;
  }

  #unpin(key: string, entry: Entry): void {
    entry.refs--;
    entry.lastUsed = ++this.#uses;
    if (entry.refs > 0 || this.#open.get(key) !== entry) return;
    entry.idle =
      this.#open.size > this.o.maxOpen
        ? setTimeout(() => this.#evictIdle(this.o.maxOpen), this.o.overBoundGraceMs ?? 1000)
        : setTimeout(() => void this.#close(key), this.o.idleCloseMs);
    entry.idle.unref();
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
    await e.pool.end().catch(() => {});
  }
}
