// The production workflows bundled with hold-child-start.ts's interceptors: a child's start resolves
// in the parent only after a change signal arrived (tests and the provision-user fixture recorder).
import path from 'node:path';
import { ensureWorkflowBundle } from '../../../temporal/bundle';

const HERE = import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname);

/** The bundle, cached in .build/ beside the production one (webpack only when its sources changed). */
export async function heldChildStartBundle(): Promise<{ codePath: string }> {
  const codePath = await ensureWorkflowBundle({
    workflowInterceptorModules: [path.join(HERE, 'hold-child-start.ts')],
  });
  return { codePath };
}
