// Applies the kysely migrations of one schema set ('sync' or 'engage') to a database.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { engageMigrations } from './migrations/engage';
import { syncMigrations } from './migrations/sync';
import { SchemaRenamePlugin } from './schema-rename-plugin';

export type MigrationSet = 'sync' | 'engage';

const SETS: Record<MigrationSet, Record<string, Migration>> = {
  sync: syncMigrations,
  engage: engageMigrations,
};

// Static imports rather than a folder scan: works the same under tsx, bundlers and tests.
class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

/** The sync migrations of tables the whole deployment shares; a tenant's schema has the others. */
export const SHARED_SYNC_MIGRATIONS = ['0008_visitor_rate_slots', '0010_tenants', '0011_alerts'];
/** Their tables, which stay in `sync` when a query is moved to a tenant's schema. */
export const SHARED_SYNC_TABLES = ['visitor_rate_slots', 'tenants', 'alerts_sent'];

export async function migrateToLatest(db: Kysely<unknown>, set: MigrationSet): Promise<string[]> {
  return run(
    new Migrator({
      db,
      provider: new StaticProvider(SETS[set]),
      // Separate bookkeeping per set, so both may share one database.
      migrationTableName: `kysely_migration_${set}`,
      migrationLockTableName: `kysely_migration_lock_${set}`,
    }),
    set,
  );
}

/** The schema of a tenant's sync state, `sync_<id>` (ids: lowercase letters, digits and hyphens). */
export function tenantStateSchemaName(tenantId: string): string {
  if (!/^[a-z0-9-]+$/.test(tenantId)) throw new Error(`not a tenant id: "${tenantId}"`);
  return `sync_${tenantId.replaceAll('-', '_')}`;
}

/** Brings every tenant's state schema up to date (those of the registry that are not purged). */
export async function migrateAllTenantStates(db: Kysely<unknown>): Promise<Record<string, string[]>> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM sync.tenants WHERE secrets_purged_at IS NULL ORDER BY id`.execute(db);
  const applied: Record<string, string[]> = {};
  for (const { id } of rows) applied[id] = await migrateTenantStateToLatest(db, tenantStateSchemaName(id));
  return applied;
}

/**
 * Creates or brings up to date the schema holding one tenant's sync state: the sync migrations, less
 * the shared ones, applied with `sync` renamed to `schema`; their bookkeeping lives in that schema.
 */
export async function migrateTenantStateToLatest(db: Kysely<unknown>, schema: string): Promise<string[]> {
  const own = Object.fromEntries(
    Object.entries(syncMigrations).filter(([name]) => !SHARED_SYNC_MIGRATIONS.includes(name)),
  );
  return run(
    new Migrator({
      db: db.withPlugin(new SchemaRenamePlugin('sync', schema, SHARED_SYNC_TABLES)),
      provider: new StaticProvider(own),
      migrationTableSchema: schema,
      migrationTableName: 'kysely_migration_sync',
      migrationLockTableName: 'kysely_migration_lock_sync',
    }),
    `sync (${schema})`,
  );
}

async function run(migrator: Migrator, set: string): Promise<string[]> {
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`migration ${failed?.migrationName ?? ''} of ${set} failed: ${cause}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
