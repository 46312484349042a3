// The sync's activities, bound to their dependencies. Workflows import only the type.
import { toActivityFailure } from '../../scim/activity-failure';
import type { SyncDeps } from './deps';
import {
  cancelPendingInvitationsActivity,
  countPendingInvitationsActivity,
  sendPendingInvitationsActivity,
} from './invitations';
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
/** Binds deps and maps Visitor errors to Temporal failures (retryable or not) in one place. */
const bind = <F extends (deps: SyncDeps, ...args: never[]) => Promise<unknown>>(deps: SyncDeps, f: F) =>
  (async (...args: never[]) => {
    try {
      return await f(deps, ...args);
    } catch (err) {
      throw toActivityFailure(err);
    }
  }) as Tail<F>;

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
    countPendingInvitations: bind(deps, countPendingInvitationsActivity),
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
export type { SyncDeps } from './deps';
