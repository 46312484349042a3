import type { Migration } from 'kysely';
import * as m0001 from './0001_engage_core';
import * as m0002 from './0002_engage_scim';

// The Engage source schema (local/dev/test only: a real Engage database is never migrated by us).
// Ordered by name; add new migrations here.
export const engageMigrations: Record<string, Migration> = {
  '0001_engage_core': m0001,
  '0002_engage_scim': m0002,
};
