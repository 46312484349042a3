// The sync's activities, bound to their dependencies. Workflows import only the type.
import type { SyncDeps } from './deps';
import { cancelPendingInvitationsActivity, sendPendingInvitationsActivity } from './invitations';
import { syncLocationsActivity } from './locations';
import {
  applyDeletionsActivity,
  beginRunActivity,
  deletionSummaryActivity,
  finishRunActivity,
  partitionUsersActivity,
  rejectDeletionsActivity,
} from './runs';
import { syncSingleUserActivity } from './single-user';
import { syncUserPageActivity } from './user-pages';

type Tail<F> = F extends (deps: SyncDeps, ...args: infer A) => infer R ? (...args: A) => R : never;
const bind = <F extends (deps: SyncDeps, ...args: never[]) => unknown>(deps: SyncDeps, f: F) =>
  ((...args: never[]) => f(deps, ...args)) as Tail<F>;

export function createSyncActivities(deps: SyncDeps) {
  return {
    beginRun: bind(deps, beginRunActivity),
    finishRun: bind(deps, finishRunActivity),
    syncLocations: bind(deps, syncLocationsActivity),
    partitionUsers: bind(deps, partitionUsersActivity),
    syncUserPage: bind(deps, syncUserPageActivity),
    deletionSummary: bind(deps, deletionSummaryActivity),
    applyDeletions: bind(deps, applyDeletionsActivity),
    rejectDeletions: bind(deps, rejectDeletionsActivity),
    syncSingleUser: bind(deps, syncSingleUserActivity),
    sendPendingInvitations: bind(deps, sendPendingInvitationsActivity),
    cancelPendingInvitations: bind(deps, cancelPendingInvitationsActivity),
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
export type { SyncDeps } from './deps';
