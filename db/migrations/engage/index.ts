import type { Migration } from 'kysely';
import * as m0001 from './0001_engage_core';
import * as m0002 from './0002_engage_scim';
import * as m0003 from './0003_engage_admin_types';
import * as m0004 from './0004_engage_scim_scopes';

// The Engage source schema (local/dev/test only: a real Engage database is never migrated by us).
// Ordered by name; add new migrations here.
export const engageMigrations: Record<string, Migration> = {
  '0001_engage_core': m0001,
  '0002_engage_scim': m0002,
  '0003_engage_admin_types': m0003,
  '0004_engage_scim_scopes': m0004,
};
