// A worker for the tests that run the stack check: the production workflows and activities plus
// stackCheckWorkflow and its activity, from the test bundle.
import type { NativeConnection } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { ActivityDeps } from '../../../activities';
import type { SyncDatabase } from '../../../db/sync-schema';
import { createWorker } from '../../../temporal/worker';
import type { WorkerPair } from '../../../temporal/worker-pair';
import { stackCheckActivities } from './activity';
import { TEST_WORKFLOW_BUNDLE } from './bundle';

export function createStackCheckWorker(o: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Where recordStackCheck writes. */
  syncDb: Kysely<SyncDatabase>;
  /** The sync activities' dependencies, when the worker also serves sync runs. */
  deps?: ActivityDeps;
}): Promise<WorkerPair> {
  return createWorker({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    deps: o.deps ?? {},
    bundle: TEST_WORKFLOW_BUNDLE,
    extraActivities: stackCheckActivities(o.syncDb),
  });
}
