import type { Migration } from 'kysely';
import * as m0001 from './0001_runs';
import * as m0002 from './0002_sync_state';

// Ordered by name; add new migrations here.
export const syncMigrations: Record<string, Migration> = {
  '0001_runs': m0001,
  '0002_sync_state': m0002,
};
