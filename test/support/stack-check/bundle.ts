// The test workflow bundle: test/support/workflows.ts, the production workflows plus the stack check.
import path from 'node:path';
import { type BundleOptions, ensureWorkflowBundle } from '../../../temporal/bundle';

const HERE = import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname);

/** The test workflows index, and the test folder its code comes from (part of the bundle's cache key). */
export const TEST_WORKFLOW_BUNDLE: BundleOptions = {
  workflowsPath: path.join(HERE, '..', 'workflows.ts'),
  extraSourceDirs: [HERE],
};

/** Path of an up-to-date bundle of the production workflows plus stackCheckWorkflow. */
export const ensureTestWorkflowBundle = () => ensureWorkflowBundle(TEST_WORKFLOW_BUNDLE);
