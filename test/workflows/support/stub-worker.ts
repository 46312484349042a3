// Workflow tests on the real Temporal dev server with stub activities: one environment, one worker
// connection and the production bundle per test file, and workers of that bundle on a task queue.
import { after, before } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { ensureWorkflowBundle } from '../../../temporal/bundle';
import { TEST_NAMESPACE, testEnv, workerConnection } from '../../support/temporal';

export interface StubWorkerSuite {
  /** The dev server's environment: its client starts, signals and awaits the workflows. */
  readonly env: TestWorkflowEnvironment;
  /** The production workflow bundle. */
  readonly codePath: string;
  /** A worker on `taskQueue` with these activities, of the production bundle unless `extra` says otherwise. */
  worker(
    taskQueue: string,
    activities: WorkerOptions['activities'],
    extra?: Partial<WorkerOptions>,
  ): Promise<Worker>;
}

/** Sets the file's environment up before its tests and tears it down after them. */
export function stubWorkerSuite(): StubWorkerSuite {
  let env: TestWorkflowEnvironment;
  let connection: NativeConnection;
  let codePath: string;
  before(async () => {
    env = await testEnv();
    connection = await workerConnection();
    codePath = await ensureWorkflowBundle();
  });
  after(async () => {
    await connection?.close();
    await env?.teardown();
  });
  return {
    get env() {
      return env;
    },
    get codePath() {
      return codePath;
    },
    worker: (taskQueue, activities, extra = {}) =>
      Worker.create({
        connection,
        namespace: TEST_NAMESPACE,
        taskQueue,
        workflowBundle: { codePath },
        activities,
        ...extra,
      }),
  };
}
