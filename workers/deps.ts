// Builds the engines the activities adapt, from the configuration: the environment-configured company's
// and, through the tenant registry, each tenant's. Database pools are the process's: one sync database
// pool serves every tenant's state (a schema each), the Engage pools of tenants with their own
// database are opened on demand and closed when idle (engage-pools.ts). One per worker process.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { ServiceConfig, SyncSettings } from '../config/service';
import { createDb, sameDatabase } from '../db/connect';
import { EngagePools } from '../db/engage-pools';
import type { EngageDatabase } from '../db/engage-schema';
import type { SyncDatabase } from '../db/sync-schema';
import { createEngageReader } from '../engage/reader';
import { systemClock } from '../engine/defaults';
import { createEngine, type Engine } from '../engine/engine';
import { TenantUnavailableError } from '../engine/errors';
import type { SyncMetrics, TenantMetrics } from '../observability/metrics';
import type { GaugedCompany } from '../observability/state-gauges';
import { VisitorScimClient, type VisitorScimClientOptions } from '../scim/client';
import { SlotPacer } from '../scim/pacer';
import { PgAttemptFences } from '../state/activity-fences';
import { PgDeletionGuard } from '../state/deletion-guard';
import { SecretBox } from '../state/secret-box';
import { PgSyncStore } from '../state/sync-store';
import { openTenantEngage } from '../state/tenant-engage';
import { resolveTenantSettings } from '../state/tenant-rules';
import { migrateTenantState, tenantSyncDb } from '../state/tenant-state';
import { type Tenant, type TenantConnection, TenantRegistry } from '../state/tenants';
import { PgRateSlots, rateSlotsKey } from '../state/visitor-rate-slots';
import { workflowProbe } from '../temporal/workflow-probe';
import { type BuiltEngine, TenantEngines } from './tenant-engines';

export interface BuiltDeps {
  /** The environment-configured company's engine. */
  engine: Engine;
  /** Every company's, by tenant. */
  engines: TenantEngines;
  /** The sync database (every company's state, a schema per tenant) and the tenant registry. */
  syncDb: Kysely<SyncDatabase>;
  registry: TenantRegistry;
  /** The companies whose state operators watch: the configured one and every active tenant. */
  companies(): Promise<(GaugedCompany & { changeFeed: boolean })[]>;
  /** A company's Engage database (a tenant's through its pool; release nothing, the pools do). */
  engageFor(tenantId: string | undefined): Promise<Kysely<EngageDatabase>>;
  close(): Promise<void>;
}

/** How long a tenant's engine is reused before the registry is read again. */
const TENANT_ENGINE_TTL_MS = 60_000;

type Extra = { temporal?: Client; visitor?: Partial<VisitorScimClientOptions>; metrics?: SyncMetrics };

export function buildDeps(config: ServiceConfig, extra: Extra = {}): BuiltDeps {
  const syncDb = createDb<SyncDatabase>({ url: config.database.url, poolSize: config.database.poolSize });
  const engageDb = createDb<EngageDatabase>({
    url: config.engageDatabase.url,
    poolSize: config.database.poolSize,
    applicationName: 'engage-visitor-sync (reader)',
  });
  // Its own pool: a fence holds a connection while its activity writes to Visitor, and a burst of
  // invitation batches (one per per-user run) must not starve the activities' own queries.
  const fenceDb = createDb<SyncDatabase>({
    url: config.database.url,
    poolSize: config.database.poolSize,
    applicationName: 'engage-visitor-sync (fences)',
  });
  // The rate limit is the deployment's total: every worker books its requests from one slot book per
  // Visitor company. A small pool of its own, so a request's turn never waits behind the activities'
  // queries (pg opens no connection until one is asked for).
  const rateDb = createDb<SyncDatabase>({
    url: config.database.url,
    poolSize: 2,
    applicationName: 'engage-visitor-sync (rate)',
  });
  const pools = new EngagePools({
    poolSize: config.tenants.engagePoolSize,
    maxOpen: config.tenants.maxEngagePools,
    idleCloseMs: config.tenants.idleCloseMs,
  });

  const visitorFor = (
    url: string,
    token: string,
    maxRequestsPerSecond: number | undefined,
    metrics: TenantMetrics | undefined = extra.metrics,
  ) =>
    new VisitorScimClient({
      baseUrl: url,
      token,
      concurrency: config.visitor.concurrency,
      timeoutMs: config.visitor.timeoutMs,
      ...(maxRequestsPerSecond
        ? { pacer: new SlotPacer(new PgRateSlots(rateDb, rateSlotsKey(url, token)), maxRequestsPerSecond) }
        : {}),
      ...(metrics ? { onRequest: (e) => metrics.request(e), onRetry: (e) => metrics.retry(e) } : {}),
      ...extra.visitor,
    });

  const wire = (o: {
    tenantId?: string;
    metrics?: TenantMetrics;
    engage: Kysely<EngageDatabase>;
    state: (db: Kysely<SyncDatabase>) => Kysely<SyncDatabase>;
    visitor: VisitorScimClient;
    settings: SyncSettings;
    requestRate: number | undefined;
  }): Engine =>
    createEngine({
      engage: createEngageReader(o.engage),
      visitor: o.visitor,
      store: new PgSyncStore(o.state(syncDb)),
      guard: new PgDeletionGuard(o.state(syncDb), o.tenantId),
      fences: new PgAttemptFences(o.state(fenceDb)),
      settings: o.settings,
      concurrency: config.visitor.concurrency,
      requestRate: o.requestRate,
      clock: systemClock,
      ...(extra.temporal ? { workflowIsRunning: workflowProbe(extra.temporal) } : {}),
      ...(o.metrics ? { metrics: o.metrics, decisionMetrics: o.metrics } : {}),
    });

  const singleVisitor = visitorFor(
    config.visitor.url,
    config.visitor.token,
    config.visitor.maxRequestsPerSecond,
  );
  const engine = wire({
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
    engage: engageDb,
    state: (db) => db,
    visitor: singleVisitor,
    settings: config.sync,
    requestRate: config.visitor.maxRequestsPerSecond,
  });

  const registry = new TenantRegistry(syncDb, {
    ...(config.tenantSecretKeys ? { box: new SecretBox(config.tenantSecretKeys) } : {}),
  });
  // A tenant's state schema is brought up to date once per process (the Migrator reads the catalogue
  // and takes a database-wide lock: not something to repeat every minute per tenant).
  const migrated = new Map<string, Promise<unknown>>();
  const migrateOnce = (tenantId: string) => {
    let m = migrated.get(tenantId);
    if (!m) {
      m = migrateTenantState(syncDb, tenantId).catch((err: unknown) => {
        migrated.delete(tenantId);
        throw err;
      });
      migrated.set(tenantId, m);
    }
    return m;
  };
  const buildTenant = async (tenantId: string): Promise<BuiltEngine> => {
    const tenant = await registry.get(tenantId);
    if (!tenant) throw new TenantUnavailableError(`no tenant "${tenantId}" in the registry`);
    if (tenant.state === 'offboarded' || tenant.state === 'paused')
      throw new TenantUnavailableError(
        `tenant "${tenantId}" is ${tenant.state}${tenant.stateNote ? ` (${tenant.stateNote})` : ''}`,
      );
    if (!config.tenantSecretKeys)
      throw new TenantUnavailableError('TENANT_SECRETS_KEYS is not set: tenants’ secrets cannot be opened');
    const conn = await registry.connection(tenantId);
    if (conn.engage.kind === 'database' && sameDatabase(conn.engage.url.reveal(), config.engageDatabase.url))
      throw new TenantUnavailableError(
        `tenant "${tenantId}"'s Engage database is the configured company's: give the tenant its own`,
      );
    await migrateOnce(tenantId);
    const engage = openTenantEngage(conn.engage, { shared: engageDb, pools });
    return buildWith(tenantId, tenant.options, conn, engage);
  };
  const buildWith = (
    tenantId: string,
    options: Tenant['options'],
    conn: TenantConnection,
    engage: Kysely<EngageDatabase>,
  ): BuiltEngine => {
    const resolved = resolveTenantSettings(
      {
        sync: config.sync,
        ...(config.visitor.maxRequestsPerSecond
          ? { maxRequestsPerSecond: config.visitor.maxRequestsPerSecond }
          : {}),
      },
      options,
    );
    // Every series of this tenant's runs carries tenant="<id>".
    const metrics = extra.metrics?.forTenant(tenantId);
    const visitor = visitorFor(
      conn.visitor.url,
      conn.visitor.token.reveal(),
      resolved.maxRequestsPerSecond,
      metrics,
    );
    return {
      engine: wire({
        tenantId,
        ...(metrics ? { metrics } : {}),
        engage,
        state: (db) => tenantSyncDb(db, tenantId),
        visitor,
        settings: resolved.sync,
        requestRate: resolved.maxRequestsPerSecond,
      }),
      async close() {
        visitor.close();
      },
    };
  };
  const engines = new TenantEngines({ single: engine, build: buildTenant, ttlMs: TENANT_ENGINE_TTL_MS });

  return {
    engine,
    engines,
    syncDb,
    registry,
    async companies() {
      const active = await registry.list({ states: ['active'] });
      return [
        { scheduleIntervalMs: config.sync.scheduleIntervalMs, changeFeed: config.changeFeed.enabled },
        ...active.map((t) => ({
          tenant: t.id,
          scheduleIntervalMs: t.schedule.intervalMs,
          changeFeed: t.options.changeFeed ?? config.changeFeed.enabled,
        })),
      ];
    },
    async engageFor(tenantId) {
      if (tenantId === undefined) return engageDb;
      await migrateOnce(tenantId);
      const conn = await registry.connection(tenantId);
      return openTenantEngage(conn.engage, { shared: engageDb, pools });
    },
    async close() {
      await engines.close();
      singleVisitor.close();
      await pools.close();
      await Promise.all([syncDb.destroy(), engageDb.destroy(), fenceDb.destroy(), rateDb.destroy()]);
    },
  };
}
