// Where one tenant's sync state lives: its own schema, `sync_<id>`, holding the tables of `sync` but the
// shared ones (the tenant registry, the Visitor rate slot book). The code names `sync.*` throughout;
// tenantSyncDb moves those names to the tenant's schema, so one pool serves every tenant.
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import { migrateTenantStateToLatest, SHARED_SYNC_TABLES, tenantStateSchemaName } from '../db/migrate';
import { SchemaRenamePlugin } from '../db/schema-rename-plugin';
import type { SyncDatabase } from '../db/sync-schema';
import { checkTenantId } from './tenant-rules';

/** The schema of a tenant's state; tenant ids are lowercase letters, digits and single hyphens. */
export function tenantStateSchema(tenantId: string): string {
  return tenantStateSchemaName(checkTenantId(tenantId));
}

/** The sync database as one tenant's state sees it; no tenant: the deployment's own `sync` schema. */
export function tenantSyncDb<DB = SyncDatabase>(db: Kysely<DB>, tenantId: string | undefined): Kysely<DB> {
  if (tenantId === undefined) return db;
  return db.withPlugin(new SchemaRenamePlugin('sync', tenantStateSchema(tenantId), SHARED_SYNC_TABLES));
}

/** Creates the tenant's state or brings it up to date; the names of the migrations applied. */
export function migrateTenantState<DB>(db: Kysely<DB>, tenantId: string): Promise<string[]> {
  return migrateTenantStateToLatest(db as Kysely<unknown>, tenantStateSchema(tenantId));
}

/** Deletes everything the tenant's state holds (offboarding, after its grace period). */
export async function dropTenantState(db: QueryExecutorProvider, tenantId: string): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(tenantStateSchema(tenantId))} CASCADE`.execute(db);
}
