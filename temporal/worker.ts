// Builds a worker that registers the sync's workflows and activities; used by `npm start`, the demo and
// tests. Tests may register more (the stack check): another workflows index and extra activities.
import { type ActivityInterceptorsFactory, type NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import { tenantActivityInterceptors } from '../activities/tenant-scope';
import { pageTaskQueue } from '../domain/workflow-ids';
import { type BundleOptions, ensureWorkflowBundle } from './bundle';
import { WorkerPair } from './worker-pair';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  maxConcurrentActivities?: number;
  /** Page activities this worker runs at once (its share of a run's pages); default 4. */
  pageSlots?: number;
  /** Tests: how often heartbeats reach the server at least (default 5 s). */
  heartbeatThrottle?: string;
  identity?: string;
  /** Tests: bundle another workflows index than workflows/index.ts. */
  bundle?: BundleOptions;
  /** Tests: activities registered beside the sync's. */
  extraActivities?: object;
}

/**
 * The workflows and every activity on the task queue, and beside it the page activities on the page
 * task queue, a few at a time: a run's pages spread over the workers that have a free page slot.
 */
export async function createWorker(o: WorkerOptions): Promise<WorkerPair> {
  const activities = { ...createActivities(o.deps), ...o.extraActivities };
  const common = {
    connection: o.connection,
    namespace: o.namespace,
    activities,
    // A run's tenant, from its activities' header: which company's engine an activity uses.
    interceptors: { activity: [tenantActivityInterceptors] as ActivityInterceptorsFactory[] },
    ...(o.identity ? { identity: o.identity } : {}),
    // Heartbeats reach the server at least this often, so a page or batch hears of a stop or a
    // cancel within seconds (the default, 80% of the heartbeat timeout, is 48 s).
    maxHeartbeatThrottleInterval: o.heartbeatThrottle ?? '5s',
    // Let in-flight activities finish (they are idempotent anyway) before the process exits.
    shutdownGraceTime: '10s',
  } as const;
  const [main, pages] = await Promise.all([
    Worker.create({
      ...common,
      taskQueue: o.taskQueue,
      workflowBundle: { codePath: await ensureWorkflowBundle(o.bundle) },
      maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities ?? 32,
    }),
    Worker.create({
      ...common,
      taskQueue: pageTaskQueue(o.taskQueue),
      maxConcurrentActivityTaskExecutions: o.pageSlots ?? 4,
    }),
  ]);
  return new WorkerPair(main, pages);
}
