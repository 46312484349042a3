// Every activity the worker registers, built from their dependencies.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { stackCheckActivities } from './stack-check';
import { createSyncActivities, type SyncDeps } from './sync';

export interface ActivityDeps {
  syncDb: Kysely<SyncDatabase>;
  /** Absent in workers that only serve the stack check (foundation tests). */
  sync?: SyncDeps;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...stackCheckActivities(deps.syncDb),
    ...(deps.sync ? createSyncActivities(deps.sync) : {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
