// Builds the engine the activities adapt, from the configuration: database pools, the Engage reader,
// the state store and the Visitor SCIM client. One per worker process.
import type { Client } from '@temporalio/client';
import type { ServiceConfig } from '../config/service';
import { createDb } from '../db/connect';
import type { EngageDatabase } from '../db/engage-schema';
import type { SyncDatabase } from '../db/sync-schema';
import { createEngageReader } from '../engage/reader';
import { systemClock } from '../engine/defaults';
import { createEngine, type Engine } from '../engine/engine';
import type { SyncMetrics } from '../observability/metrics';
import { VisitorScimClient, type VisitorScimClientOptions } from '../scim/client';
import { SlotPacer } from '../scim/pacer';
import { PgAttemptFences } from '../state/activity-fences';
import { PgDeletionGuard } from '../state/deletion-guard';
import { PgSyncStore } from '../state/sync-store';
import { PgRateSlots, rateSlotsKey } from '../state/visitor-rate-slots';
import { workflowProbe } from '../temporal/workflow-probe';

export interface BuiltDeps {
  engine: Engine;
  close(): Promise<void>;
}

export function buildDeps(
  config: ServiceConfig,
  extra: { temporal?: Client; visitor?: Partial<VisitorScimClientOptions>; metrics?: SyncMetrics } = {},
): BuiltDeps {
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
  const metrics = extra.metrics;
  // The rate limit is the deployment's total: every worker books its requests from one slot book.
  // A small pool of its own, so a request's turn never waits behind the activities' queries.
  const rateDb = config.visitor.maxRequestsPerSecond
    ? createDb<SyncDatabase>({
        url: config.database.url,
        poolSize: 2,
        applicationName: 'engage-visitor-sync (rate)',
      })
    : undefined;
  const pacer =
    rateDb && config.visitor.maxRequestsPerSecond
      ? new SlotPacer(
          new PgRateSlots(rateDb, rateSlotsKey(config.visitor.url, config.visitor.token)),
          config.visitor.maxRequestsPerSecond,
        )
      : undefined;
  const visitor = new VisitorScimClient({
    baseUrl: config.visitor.url,
    token: config.visitor.token,
    concurrency: config.visitor.concurrency,
    timeoutMs: config.visitor.timeoutMs,
    ...(pacer ? { pacer } : {}),
    ...(metrics ? { onRequest: (e) => metrics.request(e), onRetry: (e) => metrics.retry(e) } : {}),
    ...extra.visitor,
  });
  const engine = createEngine({
    engage: createEngageReader(engageDb),
    visitor,
    store: new PgSyncStore(syncDb),
    guard: new PgDeletionGuard(syncDb),
    fences: new PgAttemptFences(fenceDb),
    settings: config.sync,
    concurrency: config.visitor.concurrency,
    requestRate: config.visitor.maxRequestsPerSecond,
    clock: systemClock,
    ...(extra.temporal ? { workflowIsRunning: workflowProbe(extra.temporal) } : {}),
    ...(metrics ? { metrics, decisionMetrics: metrics } : {}),
  });
  return {
    engine,
    async close() {
      visitor.close();
      await Promise.all([syncDb.destroy(), engageDb.destroy(), fenceDb.destroy(), rateDb?.destroy()]);
    },
  };
}
