// The registry's tenants as the Engage SCIM API serves them (/t/<tenant>/scim/api/V1): each tenant's
// Engage database — its own, from a bounded set of pools, or a schema of the shared one — and a
// publisher of its outbox, started on its first request. Its users' changes start
// <tenant>.provision-user-<id> with EvsTenant. A tenant that is paused or offboarded is not served (404).
// Every `recheckMs` the registry is read again: a changed tenant (its Engage source, its state) is
// reopened or dropped; a tenant idle for `idleMs` with nothing left in its outbox is closed. When the
// registry cannot be read, the tenants already open go on being served.
import type { Kysely } from 'kysely';
import { sameDatabase } from '../db/connect';
import type { EngageDatabase } from '../db/engage-schema';
import { openTenantEngage } from '../state/tenant-engage';
import type { Tenant, TenantConnection, TenantRegistry } from '../state/tenants';
import type { Publisher } from './publisher';
import type { TenantScimSource } from './server';

interface Entry {
  source: TenantScimSource;
  publisher: Publisher;
  /** The registry row's version the entry was opened from. */
  version: number;
  checkedAt: number;
  usedAt: number;
}

export interface TenantScimSourcesOptions {
  registry: Pick<TenantRegistry, 'get' | 'connection' | 'list'>;
  /** The shared Engage database (tenants whose Engage source is a schema of it). */
  sharedEngage: Kysely<EngageDatabase>;
  pools: { db(url: string): Kysely<EngageDatabase> };
  startPublisher(tenantId: string, db: Kysely<EngageDatabase>): Publisher;
  /** The configured company's Engage database: never a tenant's. */
  configuredEngageUrl?: string;
  recheckMs?: number;
  /** A tenant with no request for this long and an empty outbox is closed (default 10 min). */
  idleMs?: number;
  now?: () => number;
}

const SERVED = new Set(['active', 'onboarding']);
/** How long "not served" is believed before the registry is asked again (a flood of made-up ids). */
const NOT_SERVED_MS = 30_000;

/** The tenant could not be opened now (its database, its secrets): 503, try again. */
export class TenantUnavailable extends Error {
  override name = 'TenantUnavailable';
}

export class TenantScimSources {
  readonly #entries = new Map<string, Promise<Entry | undefined>>();
  readonly #notServed = new Map<string, number>();
  readonly #now: () => number;
  readonly #recheckMs: number;
  readonly #idleMs: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(private readonly o: TenantScimSourcesOptions) {
    this.#now = o.now ?? Date.now;
    this.#recheckMs = o.recheckMs ?? 60_000;
    this.#idleMs = o.idleMs ?? 10 * 60_000;
    this.#sweeper = setInterval(() => void this.sweep().catch(() => {}), this.#recheckMs);
    this.#sweeper.unref();
  }

  /** The tenant's source; undefined when it is not served; TenantUnavailable when it cannot be opened now. */
  async get(tenantId: string): Promise<TenantScimSource | undefined> {
    const refused = this.#notServed.get(tenantId);
    if (refused !== undefined && this.#now() - refused < NOT_SERVED_MS) return undefined;
    let pending = this.#entries.get(tenantId);
    if (!pending) {
      pending = this.#open(tenantId);
      this.#entries.set(tenantId, pending);
      // A failed or refused open is not kept: the next request tries again (not-served ids are
      // remembered a while in #notServed instead).
      pending.then(
        (e) => {
          if (!e && this.#entries.get(tenantId) === pending) this.#entries.delete(tenantId);
        },
        () => {
          if (this.#entries.get(tenantId) === pending) this.#entries.delete(tenantId);
        },
      );
    }
    const e = await pending;
    if (!e) return undefined;
    e.usedAt = this.#now();
    if (this.#now() - e.checkedAt >= this.#recheckMs) await this.#recheck(tenantId, e);
    return this.#entries.get(tenantId) === pending ? e.source : this.get(tenantId);
  }

  /** Opens the tenants whose outbox holds undelivered changes (at start-up); the others stay closed. */
  async resumePending(): Promise<string[]> {
    const resumed: string[] = [];
    for (const t of await this.o.registry.list({ states: ['active', 'onboarding'] })) {
      const peek = await this.#connect(t.id).catch(() => undefined);
      if (!peek) continue;
      const pending = await hasPending(peek).catch(() => false);
      if (pending && (await this.get(t.id).catch(() => undefined))) resumed.push(t.id);
    }
    return resumed;
  }

  /** Re-reads the registry for every open tenant; closes the idle ones with an empty outbox. */
  async sweep(): Promise<void> {
    for (const [tenantId, p] of [...this.#entries]) {
      const e = await p.catch(() => undefined);
      if (!e) continue;
      if (this.#now() - e.usedAt >= this.#idleMs && !(await hasPending(e.source.db).catch(() => true))) {
        await this.#drop(tenantId, p, e);
        continue;
      }
      await this.#recheck(tenantId, e);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const entries = [...this.#entries.entries()];
    this.#entries.clear();
    await Promise.all(
      entries.map(async ([, p]) => {
        const e = await p.catch(() => undefined);
        if (e) {
          await e.publisher.stop();
        }
      }),
    );
  }

  /** Drops the entry when its tenant is no longer served or changed (reopened by the next request). */
  async #recheck(tenantId: string, e: Entry): Promise<void> {
    e.checkedAt = this.#now();
    let t: Tenant | undefined;
    try {
      t = await this.o.registry.get(tenantId);
    } catch {
      return; // The registry cannot be read: go on serving what is open.
    }
    if (t && SERVED.has(t.state) && t.updatedAt.getTime() === e.version) return;
    const p = this.#entries.get(tenantId);
    if (p) await this.#drop(tenantId, p, e);
  }

  async #open(tenantId: string): Promise<Entry | undefined> {
    let t: Tenant | undefined;
    try {
      t = await this.o.registry.get(tenantId);
    } catch (err) {
      throw new TenantUnavailable(`the tenant registry cannot be read: ${(err as Error).message}`);
    }
    if (!t || !SERVED.has(t.state)) {
      this.#notServed.set(tenantId, this.#now());
      return undefined;
    }
    this.#notServed.delete(tenantId);
    const db = await this.#connect(tenantId);
    const publisher = this.o.startPublisher(tenantId, db);
    const now = this.#now();
    return {
      source: { db, publisher },
      publisher,
      version: t.updatedAt.getTime(),
      checkedAt: now,
      usedAt: now,
    };
  }

  async #connect(tenantId: string): Promise<Kysely<EngageDatabase>> {
    let conn: TenantConnection;
    try {
      conn = await this.o.registry.connection(tenantId);
    } catch (err) {
      throw new TenantUnavailable(`tenant ${tenantId} cannot be opened: ${(err as Error).message}`);
    }
    if (
      conn.engage.kind === 'database' &&
      this.o.configuredEngageUrl &&
      sameDatabase(conn.engage.url.reveal(), this.o.configuredEngageUrl)
    )
      throw new TenantUnavailable(`tenant ${tenantId}'s Engage database is the configured company's`);
    return openTenantEngage(conn.engage, { shared: this.o.sharedEngage, pools: this.o.pools });
  }

  async #drop(tenantId: string, p: Promise<Entry | undefined>, e: Entry): Promise<void> {
    // Only this entry: a newer one opened meanwhile stays.
    if (this.#entries.get(tenantId) === p) this.#entries.delete(tenantId);
    await e.publisher.stop();
  }
}

async function hasPending(db: Kysely<EngageDatabase>): Promise<boolean> {
  const row = await db
    .selectFrom('engage.change_outbox')
    .select('id')
    .where('delivered_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
