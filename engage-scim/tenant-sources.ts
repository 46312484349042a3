// The registry's tenants as the Engage SCIM API serves them (/t/<tenant>/scim/api/V1): each tenant's
// Engage database — its own, from a bounded set of pools, or a schema of the shared one — and a
// publisher of its outbox, started on its first request and kept while it is served. Its users'
// changes start <tenant>.provision-user-<id> with EvsTenant. A tenant that is paused or offboarded is
// not served (404); its state is read again from the registry every `recheckMs`.
import type { Kysely } from 'kysely';
import type { PoolLease } from '../db/engage-pools';
import type { EngageDatabase } from '../db/engage-schema';
import { SchemaRenamePlugin } from '../db/schema-rename-plugin';
import type { TenantConnection, TenantRegistry } from '../state/tenants';
import type { Publisher } from './publisher';
import type { TenantScimSource } from './server';

interface Entry {
  source: TenantScimSource;
  lease: PoolLease | undefined;
  publisher: Publisher;
  checkedAt: number;
}

export interface TenantScimSourcesOptions {
  registry: Pick<TenantRegistry, 'get' | 'connection' | 'list'>;
  /** The shared Engage database (tenants whose Engage source is a schema of it). */
  sharedEngage: Kysely<EngageDatabase>;
  pools: { acquire(url: string): PoolLease };
  startPublisher(tenantId: string, db: Kysely<EngageDatabase>): Publisher;
  recheckMs?: number;
  now?: () => number;
}

const SERVED = new Set(['active', 'onboarding']);

export class TenantScimSources {
  readonly #entries = new Map<string, Promise<Entry | undefined>>();
  readonly #now: () => number;
  readonly #recheckMs: number;

  constructor(private readonly o: TenantScimSourcesOptions) {
    this.#now = o.now ?? Date.now;
    this.#recheckMs = o.recheckMs ?? 60_000;
  }

  /** The tenant's source, or undefined when it is not served. */
  async get(tenantId: string): Promise<TenantScimSource | undefined> {
    let pending = this.#entries.get(tenantId);
    const had = pending && (await pending);
    if (had && this.#now() - had.checkedAt < this.#recheckMs) return had.source;
    if (had) {
      const t = await this.o.registry.get(tenantId);
      if (t && SERVED.has(t.state)) {
        had.checkedAt = this.#now();
        return had.source;
      }
      await this.#drop(tenantId, had);
      return undefined;
    }
    if (!pending) {
      pending = this.#open(tenantId).catch((err: unknown) => {
        this.#entries.delete(tenantId);
        throw err;
      });
      this.#entries.set(tenantId, pending);
    }
    const e = await pending;
    if (!e) this.#entries.delete(tenantId);
    return e?.source;
  }

  /** Starts the publishers of served tenants whose outbox holds undelivered changes (at start-up). */
  async resumePending(): Promise<string[]> {
    const resumed: string[] = [];
    for (const t of await this.o.registry.list({ states: ['active', 'onboarding'] })) {
      const source = await this.get(t.id).catch(() => undefined);
      if (!source) continue;
      const row = await source.db
        .selectFrom('engage.change_outbox')
        .select('id')
        .where('delivered_at', 'is', null)
        .limit(1)
        .executeTakeFirst()
        .catch(() => undefined);
      if (row) resumed.push(t.id);
    }
    return resumed;
  }

  async close(): Promise<void> {
    const entries = [...this.#entries.entries()];
    this.#entries.clear();
    await Promise.all(
      entries.map(async ([id, p]) => {
        const e = await p.catch(() => undefined);
        if (e) await this.#drop(id, e);
      }),
    );
  }

  async #open(tenantId: string): Promise<Entry | undefined> {
    const t = await this.o.registry.get(tenantId);
    if (!t || !SERVED.has(t.state)) return undefined;
    const conn: TenantConnection = await this.o.registry.connection(tenantId);
    const lease =
      conn.engage.kind === 'database' ? this.o.pools.acquire(conn.engage.url.reveal()) : undefined;
    const db =
      lease?.db ??
      this.o.sharedEngage.withPlugin(
        new SchemaRenamePlugin('engage', (conn.engage as { schema: string }).schema),
      );
    const publisher = this.o.startPublisher(tenantId, db);
    return { source: { db, publisher }, lease, publisher, checkedAt: this.#now() };
  }

  async #drop(tenantId: string, e: Entry): Promise<void> {
    this.#entries.delete(tenantId);
    await e.publisher.stop();
    e.lease?.release();
  }
}
