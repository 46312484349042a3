// The engine an activity works with, by the tenant it runs for: the environment-configured company's
// (no tenant), or one built from the tenant registry — its Engage source, Visitor and token, options and
// state schema. A tenant's engine is kept for `ttlMs`, so a changed option or rotated token applies to
// the activities that start after it; an engine in use is closed only once its last user is done, and
// one nobody uses is closed once it expires (a sweep every ttlMs), releasing its Engage pool and the
// tenant's opened secrets.
import type { Engine } from '../engine/engine';
import { TenantUnavailableError } from '../engine/errors';

export { TenantUnavailableError };

export interface BuiltEngine {
  engine: Engine;
  close(): Promise<void>;
}

interface Entry {
  built: Promise<BuiltEngine>;
  expiresAt: number;
  refs: number;
  stale: boolean;
}

export interface TenantEnginesOptions {
  /** The environment-configured company's engine; none: every run must name a tenant. */
  single?: Engine;
  build(tenantId: string): Promise<BuiltEngine>;
  ttlMs: number;
  now?: () => number;
}

export class TenantEngines {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(private readonly o: TenantEnginesOptions) {
    this.#now = o.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), o.ttlMs);
    this.#sweeper.unref();
  }

  /** Closes the engines that expired and that nobody uses (also run every ttlMs). */
  sweep(): void {
    const now = this.#now();
    for (const [tenantId, e] of this.#entries) {
      if (e.expiresAt > now) continue;
      this.#entries.delete(tenantId);
      e.stale = true;
      if (e.refs === 0) void this.#close(e);
    }
  }

  /** Runs `f` with the tenant's engine (no tenant: the single company's). */
  async use<T>(tenantId: string | undefined, f: (engine: Engine) => Promise<T>): Promise<T> {
    if (tenantId === undefined) {
      if (!this.o.single)
        throw new TenantUnavailableError('this run names no tenant and no single company is configured');
      return f(this.o.single);
    }
    if (this.#closed) throw new TenantUnavailableError('this worker is shutting down');
    const entry = this.#entry(tenantId);
    entry.refs++;
    try {
      return await f((await entry.built).engine);
    } finally {
      entry.refs--;
      if (entry.stale && entry.refs === 0) void this.#close(entry);
    }
  }

  /** Tenants with an engine now (tests, metrics). */
  get cached(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => this.#close(e)));
  }

  #entry(tenantId: string): Entry {
    this.sweep();
    const had = this.#entries.get(tenantId);
    if (had) return had;
    const now = this.#now();
    const entry: Entry = {
      built: this.o.build(tenantId),
      expiresAt: now + this.o.ttlMs,
      refs: 0,
      stale: false,
    };
    // A failed build is not kept: the next activity tries again (the registry may be fixed by then).
    entry.built.catch(() => {
      if (this.#entries.get(tenantId) === entry) this.#entries.delete(tenantId);
    });
    this.#entries.set(tenantId, entry);
    return entry;
  }

  async #close(entry: Entry): Promise<void> {
    const built = await entry.built.catch(() => undefined);
    await built?.close().catch(() => {});
  }
}
