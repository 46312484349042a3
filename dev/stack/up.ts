// Brings the local stack up (only the parts not configured to external services), idempotently,
// and applies the migrations.
import { LOCAL_DEFAULTS, type ServiceConfig } from '../../config/service';
import { createDb } from '../../db/connect';
import { migrateToLatest } from '../../db/migrate';
import { startEmulator } from './emulator';
import { startEngageScim } from './engage-scim';
import { ensureDatabase, localAdminUrl, startPostgres } from './postgres';
import { startTemporal } from './temporal';
import { startWorkerProcess } from './worker';

export async function up(config: ServiceConfig, log: (m: string) => void, withWorker: boolean) {
  const needLocalPg = config.database.local || config.engageDatabase.local;
  if (needLocalPg) await startPostgres(log);
  if (config.temporal.local) await startTemporal(log);
  if (config.visitor.local) await startEmulator(Number(new URL(config.visitor.url).port), log);
  await migrate(config);
  // The Engage SCIM API writes into the Engage database: only beside the local demo one.
  if (config.engageDatabase.local) await startEngageScim(log);
  if (withWorker) await startWorkerProcess(log);
}

export async function migrate(config: ServiceConfig) {
  if (config.database.local) await ensureDatabase(localAdminUrl(), LOCAL_DEFAULTS.syncDatabase);
  if (config.engageDatabase.local) await ensureDatabase(localAdminUrl(), LOCAL_DEFAULTS.engageDatabase);
  const syncDb = createDb({ url: config.database.url, poolSize: 1 });
  try {
    await migrateToLatest(syncDb, 'sync');
  } finally {
    await syncDb.destroy();
  }
  // A real Engage database is the customer's: we only create the Engage schema on the local one.
  if (config.engageDatabase.local) {
    const engageDb = createDb({ url: config.engageDatabase.url, poolSize: 1 });
    try {
      await migrateToLatest(engageDb, 'engage');
    } finally {
      await engageDb.destroy();
    }
  }
}
