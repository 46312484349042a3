import type { Migration } from 'kysely';

// The Engage source schema (local/dev/test only: a real Engage database is never migrated by us).
export const engageMigrations: Record<string, Migration> = {};
