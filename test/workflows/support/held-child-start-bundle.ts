// The production workflows bundled with hold-child-start.ts's interceptors: a child's start resolves
// in the parent only after a change signal arrived (tests and the provision-user fixture recorder).
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../../temporal/bundle';

const HERE = import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname);

const noop = () => {};
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: console.warn,
  error: console.error,
  log: noop,
};

/** The bundle's code (webpack, a few seconds: build it once per file). */
export async function heldChildStartBundle(): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [path.join(HERE, 'hold-child-start.ts')],
    logger: quietLogger,
  });
  return { code };
}
