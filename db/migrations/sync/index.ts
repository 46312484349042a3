import type { Migration } from 'kysely';
import * as m0001 from './0001_runs';

// Ordered by name; add new migrations here.
export const syncMigrations: Record<string, Migration> = {
  '0001_runs': m0001,
};
