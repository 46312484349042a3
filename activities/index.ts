// Every activity the worker registers, built from their dependencies.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { stackCheckActivities } from './stack-check';

export interface ActivityDeps {
  syncDb: Kysely<SyncDatabase>;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...stackCheckActivities(deps.syncDb),
  };
}

export type Activities = ReturnType<typeof createActivities>;
