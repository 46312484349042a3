// `npm start`: one worker for every workflow and activity on the configured task queue.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { connectionOptions } from '../clients/temporal';
import { loadConfigOrExit } from '../config/service';
import { createWorker } from './create-worker';
import { buildDeps } from './deps';

const config = loadConfigOrExit();
// SIGINT/SIGTERM → graceful shutdown (the SDK's default shutdown signals).
Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });

const connection = await NativeConnection.connect(connectionOptions(config));
const clientConnection = await Connection.connect(connectionOptions(config));
const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
const built = buildDeps(config, { temporal });
const worker = await createWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  deps: built.deps,
  maxConcurrentActivities: config.worker.maxConcurrentActivities,
});
console.log(
  `worker: running on task queue "${config.temporal.taskQueue}" (namespace ${config.temporal.namespace}, ${config.temporal.address}; Visitor ${config.visitor.url})`,
);
try {
  await worker.run();
} finally {
  await connection.close();
  await clientConnection.close();
  await built.close();
  console.log('worker: stopped');
}
