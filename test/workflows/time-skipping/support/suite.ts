// Workflow tests on Temporal's time-skipping test server (dev/stack/test-server.ts fetches it from
// Maven Central): days of durable timers pass in milliseconds while the test awaits a result or calls
// env.sleep. One server per test file, its tests run one after another (the clock is the server's,
// shared by every workflow on it), with the production bundle and stub activities.
import { after, before } from 'node:test';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { ensureTestServer } from '../../../../dev/stack/test-server';
import { pageTaskQueue } from '../../../../domain/workflow-ids';
import { ensureWorkflowBundle } from '../../../../temporal/bundle';
import { WorkerPair } from '../../../../temporal/worker-pair';
import { SEARCH_ATTRIBUTES } from '../../../../workflows/search-attributes';

export interface TimeSkippingSuite {
  /** The time-skipping environment: its client skips time while awaiting a workflow's result. */
  readonly env: TestWorkflowEnvironment;
  /** The production workflow bundle. */
  readonly codePath: string;
  /** The server's clock, which runs ahead of the wall clock once time was skipped. */
  now(): Promise<number>;
  /** A worker of the production bundle on `taskQueue` with these (stub) activities. */
  /** Workers on `taskQueue` and its page task queue, with these activities. */
  worker(taskQueue: string, activities: WorkerOptions['activities']): Promise<WorkerPair>;
}

/**
 * Worker logs at WARN, as in the other workflow tests, less the warning every worker logs on the test
 * server (it does not advertise that it keeps the heartbeat details of a failed activity; no stub here
 * heartbeats).
 */
function quietRuntime() {
  const log = (entry: LogEntry) => {
    if (entry.message.includes('activity_failure_include_heartbeat')) return;
    console.error(`${entry.level} ${entry.message}`, entry.meta ?? '');
  };
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN', log),
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed by this process: keep it.
  }
}

/**
 * The workflows upsert the project's custom search attributes; the test server refuses unknown ones
 * (INVALID_ARGUMENT) like a real cluster, so they are registered through its operator service.
 */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const searchAttributes: Record<string, number> = {};
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const indexed = encodeSearchAttributeIndexedValueType(type.toUpperCase() as Uppercase<typeof type>);
    if (indexed === undefined) throw new Error(`search attribute ${name}: unknown type ${type}`);
    searchAttributes[name] = indexed;
  }
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes,
  });
}

/**
 * The SDK gives the server 5 s to answer; a JVM on a busy machine may need longer: one more try.
 */
async function startServer(path: string): Promise<TestWorkflowEnvironment> {
  const start = () =>
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  try {
    return await start();
  } catch (err) {
    console.error(`the time-skipping test server did not start (${(err as Error).message}); trying again`);
    return start();
  }
}

/** Starts the file's time-skipping server before its tests and stops it after them. */
export function timeSkippingSuite(): TimeSkippingSuite {
  let env: TestWorkflowEnvironment;
  let codePath: string;
  before(async () => {
    quietRuntime();
    const path = await ensureTestServer((m) => console.log(m));
    env = await startServer(path);
    await registerSearchAttributes(env);
    codePath = await ensureWorkflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });
  return {
    get env() {
      return env;
    },
    get codePath() {
      return codePath;
    },
    now: () => env.currentTimeMs(),
    worker: async (taskQueue, activities) =>
      new WorkerPair(
        await Worker.create({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue,
          workflowBundle: { codePath },
          activities,
        }),
        await Worker.create({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue: pageTaskQueue(taskQueue),
          activities,
        }),
      ),
  };
}
