// Builds a worker that registers the sync's workflows and activities; used by `npm start`, the demo and
// tests. Tests may register more (the stack check): another workflows index and extra activities.
import { type NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import { type BundleOptions, ensureWorkflowBundle } from './bundle';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  maxConcurrentActivities?: number;
  identity?: string;
  /** Tests: bundle another workflows index than workflows/index.ts. */
  bundle?: BundleOptions;
  /** Tests: activities registered beside the sync's. */
  extraActivities?: object;
}

export async function createWorker(o: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    workflowBundle: { codePath: await ensureWorkflowBundle(o.bundle) },
    activities: { ...createActivities(o.deps), ...o.extraActivities },
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities ?? 32,
    ...(o.identity ? { identity: o.identity } : {}),
    // Heartbeats reach the server at least this often, so a page or batch hears of a stop or a
    // cancel within seconds (the default, 80% of the heartbeat timeout, is 48 s).
    maxHeartbeatThrottleInterval: '5s',
    // Let in-flight activities finish (they are idempotent anyway) before the process exits.
    shutdownGraceTime: '10s',
  });
}
