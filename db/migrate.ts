// Applies the kysely migrations of one schema set ('sync' or 'engage') to a database.
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { engageMigrations } from './migrations/engage';
import { syncMigrations } from './migrations/sync';

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

export async function migrateToLatest(db: Kysely<unknown>, set: MigrationSet): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(SETS[set]),
    // Separate bookkeeping per set, so both may share one database.
    migrationTableName: `kysely_migration_${set}`,
    migrationLockTableName: `kysely_migration_lock_${set}`,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`migration ${failed?.migrationName ?? ''} of ${set} failed: ${cause}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
