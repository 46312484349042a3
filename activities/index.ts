// Every activity the production worker registers, built from their dependencies. (The stack check's
// activity is test support: test/support/stack-check/activity.ts.)
import { createSyncActivities } from './sync';

export type Activities = ReturnType<typeof createSyncActivities>;

export interface ActivityDeps {
  /** What the sync activities are built from. Absent in test workers that serve only the stack check. */
  sync?: Parameters<typeof createSyncActivities>[0];
}

export function createActivities(deps: ActivityDeps): Partial<Activities> {
  return deps.sync ? createSyncActivities(deps.sync) : {};
}
