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
import { PgAttemptFences } from '../state/activity-fences';
import { PgDeletionGuard } from '../state/deletion-guard';
import { PgSyncStore } from '../state/sync-store';
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
  const visitor = new VisitorScimClient({
    baseUrl: config.visitor.url,
    token: config.visitor.token,
    concurrency: config.visitor.concurrency,
    timeoutMs: config.visitor.timeoutMs,
    ...(config.visitor.maxRequestsPerSecond
      ? { maxRequestsPerSecond: config.visitor.maxRequestsPerSecond }
      : {}),
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
    clock: systemClock,
    ...(extra.temporal ? { workflowIsRunning: workflowProbe(extra.temporal) } : {}),
    ...(metrics ? { metrics, decisionMetrics: metrics } : {}),
  });
  return {
    engine,
    async close() {
      visitor.close();
      await Promise.all([syncDb.destroy(), engageDb.destroy(), fenceDb.destroy()]);
    },
  };
}
