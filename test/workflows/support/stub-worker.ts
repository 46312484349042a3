// Workflow tests on the real Temporal dev server with stub activities: one environment, one worker
// connection and the production bundle per test file, and workers of that bundle on a task queue.
import { after, before } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { pageTaskQueue } from '../../../domain/workflow-ids';
import { ensureWorkflowBundle } from '../../../temporal/bundle';
import { WorkerPair } from '../../../temporal/worker-pair';
import { TEST_NAMESPACE, testEnv, workerConnection } from '../../support/temporal';

export interface StubWorkerSuite {
  /** The dev server's environment: its client starts, signals and awaits the workflows. */
  readonly env: TestWorkflowEnvironment;
  /** The production workflow bundle. */
  readonly codePath: string;
  /**
   * A worker on `taskQueue` with these activities, of the production bundle unless `extra` says
   * otherwise, and one with the same activities on its page task queue (as production runs them).
   */
  worker(
    taskQueue: string,
    activities: WorkerOptions['activities'],
    extra?: Partial<WorkerOptions>,
    pageSlots?: number,
  ): Promise<WorkerPair>;
  /**
   * One more worker serving only `taskQueue`'s pages (another worker process joining), on its own
   * connection (one connection may not hold two workers of one queue); run it with `runUntil`.
   */
  pageWorker(
    taskQueue: string,
    activities: WorkerOptions['activities'],
    pageSlots: number,
  ): Promise<{ runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R> }>;
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
    pageWorker: async (taskQueue, activities, pageSlots) => {
      const own = await workerConnection();
      const worker = await Worker.create({
        connection: own,
        namespace: TEST_NAMESPACE,
        taskQueue: pageTaskQueue(taskQueue),
        activities,
        maxConcurrentActivityTaskExecutions: pageSlots,
      });
      return { runUntil: (work) => worker.runUntil(work).finally(() => own.close()) };
    },
    worker: async (taskQueue, activities, extra = {}, pageSlots = 4) =>
      new WorkerPair(
        await Worker.create({
          connection,
          namespace: TEST_NAMESPACE,
          taskQueue,
          workflowBundle: { codePath },
          activities,
          ...extra,
        }),
        await Worker.create({
          connection,
          namespace: TEST_NAMESPACE,
          taskQueue: pageTaskQueue(taskQueue),
          activities,
          maxConcurrentActivityTaskExecutions: pageSlots,
        }),
      ),
  };
}
