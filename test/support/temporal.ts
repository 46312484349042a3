// Attaches tests to the real Temporal server the test runner brought up, in the test namespace.
import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

export const TEST_NAMESPACE = 'evs-test';
export const temporalAddress = () => process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';

export async function testEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({
    address: temporalAddress(),
    namespace: TEST_NAMESPACE,
  });
}

let runtimeInstalled = false;
/** Worker logs at WARN in tests: the lifecycle INFO lines drown the test output. */
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by this process: keep it.
  }
}

export async function workerConnection(): Promise<NativeConnection> {
  quietRuntime();
  return NativeConnection.connect({ address: temporalAddress() });
}

/** A task queue no other test shares, so tests may run in parallel on one server. */
export const uniqueTaskQueue = (name: string) => `test-${name}-${randomBytes(4).toString('hex')}`;
