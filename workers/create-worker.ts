// Builds a worker that registers every workflow and activity; used by `npm start`, the demo and tests.
import { type NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import { ensureWorkflowBundle } from './bundle';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  maxConcurrentActivities?: number;
  identity?: string;
}

export async function createWorker(o: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    workflowBundle: { codePath: await ensureWorkflowBundle() },
    activities: createActivities(o.deps),
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities ?? 32,
    ...(o.identity ? { identity: o.identity } : {}),
    // Let in-flight activities finish (they are idempotent anyway) before the process exits.
    shutdownGraceTime: '10s',
  });
}
