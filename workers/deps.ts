// Builds the activities' dependencies from the configuration: database pools, the Engage reader,
// the state store and the Visitor SCIM client. One set per worker process.
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../activities';
import { StateStore } from '../activities/sync/state-store';
import type { ServiceConfig } from '../config/service';
import { createDb } from '../db/connect';
import type { EngageDatabase } from '../db/engage-schema';
import type { SyncDatabase } from '../db/sync-schema';
import { createEngageReader } from '../engage/reader';
import type { SyncMetrics } from '../observability/metrics';
import { VisitorScimClient, type VisitorScimClientOptions } from '../scim/client';

export interface BuiltDeps {
  deps: ActivityDeps;
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
  const visitor = new VisitorScimClient({
    baseUrl: config.visitor.url,
    token: config.visitor.token,
    concurrency: config.visitor.concurrency,
    timeoutMs: config.visitor.timeoutMs,
    ...(config.visitor.maxRequestsPerSecond
      ? { maxRequestsPerSecond: config.visitor.maxRequestsPerSecond }
      : {}),
    ...(extra.metrics
      ? { onRequest: (e) => extra.metrics!.request(e), onRetry: (e) => extra.metrics!.retry(e) }
      : {}),
    ...extra.visitor,
  });
  return {
    deps: {
      syncDb,
      sync: {
        engageDb,
        engage: createEngageReader(engageDb),
        store: new StateStore(syncDb),
        visitor,
        settings: config.sync,
        concurrency: config.visitor.concurrency,
        ...(extra.temporal ? { temporal: extra.temporal } : {}),
        ...(extra.metrics ? { metrics: extra.metrics } : {}),
      },
    },
    async close() {
      visitor.close();
      await Promise.all([syncDb.destroy(), engageDb.destroy()]);
    },
  };
}
