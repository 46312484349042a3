// The engine an activity works with, by the tenant it runs for: the environment-configured company's
// (no tenant), or one built from the tenant registry — its Engage source, Visitor and token, options and
// state schema. A tenant's engine is kept for `ttlMs`, so a changed option or rotated token applies to
// the activities that start after it; an engine in use is closed only once its last user is done.
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

  constructor(private readonly o: TenantEnginesOptions) {
    this.#now = o.now ?? Date.now;
  }

  /** Runs `f` with the tenant's engine (no tenant: the single company's). */
  async use<T>(tenantId: string | undefined, f: (engine: Engine) => Promise<T>): Promise<T> {
    if (tenantId === undefined) {
      if (!this.o.single)
        throw new TenantUnavailableError('this run names no tenant and no single company is configured');
      return f(this.o.single);
    }
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
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => this.#close(e)));
  }

  #entry(tenantId: string): Entry {
    const now = this.#now();
    const had = this.#entries.get(tenantId);
    if (had && had.expiresAt > now) return had;
    if (had) {
      had.stale = true;
      if (had.refs === 0) void this.#close(had);
    }
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
