// What the sync activities need, built once per worker process.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { SyncSettings } from '../../config/service';
import type { EngageDatabase } from '../../db/engage-schema';
import type { EngageReader } from '../../engage/reader';
import type { SyncMetrics } from '../../observability/metrics';
import type { VisitorScimClient } from '../../scim/client';
import type { StateStore } from './state-store';

export interface SyncDeps {
  engageDb: Kysely<EngageDatabase>;
  engage: EngageReader;
  store: StateStore;
  visitor: VisitorScimClient;
  settings: SyncSettings;
  /** Requests to Visitor in flight per page activity. */
  concurrency: number;
  /** Lets beginRun tell a crashed run's leftover lock from a live one. */
  temporal?: Client;
  /** Product metrics (Prometheus), when the worker exposes them. */
  metrics?: SyncMetrics;
}
