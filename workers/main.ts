// `npm start`: one worker for every workflow and activity on the configured task queue.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { connectionOptions } from '../clients/temporal';
import { loadConfigOrExit } from '../config/service';
import { createDb } from '../db/connect';
import type { SyncDatabase } from '../db/sync-schema';
import { createWorker } from './create-worker';

const config = loadConfigOrExit();
// SIGINT/SIGTERM → graceful shutdown (the SDK's default shutdown signals).
Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });

const syncDb = createDb<SyncDatabase>({ url: config.database.url, poolSize: config.database.poolSize });
const connection = await NativeConnection.connect(connectionOptions(config));
const worker = await createWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  deps: { syncDb },
  maxConcurrentActivities: config.worker.maxConcurrentActivities,
});
console.log(
  `worker: running on task queue "${config.temporal.taskQueue}" (namespace ${config.temporal.namespace}, ${config.temporal.address})`,
);
try {
  await worker.run();
} finally {
  await connection.close();
  await syncDb.destroy();
  console.log('worker: stopped');
}
