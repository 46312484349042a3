// The sync's activities: thin adapters from Temporal to the reconcile engine (engine/). Names and
// payloads are part of recorded workflow histories: keep them as they are.
import { Context } from '@temporalio/activity';
import {
  applyHeldDeletions,
  beginApplyingDecision,
  closeDeletionDecision,
  settleDeletions,
} from '../../engine/deletion-guard';
import { applyDeletions, deletionSummary, rejectDeletions } from '../../engine/deletions';
import type { Engine } from '../../engine/engine';
import {
  cancelPendingInvitations,
  countPendingInvitations,
  sendPendingInvitations,
} from '../../engine/invitations';
import {
  type AdoptOrphanedInvitationsInput,
  adoptOrphanedInvitations,
} from '../../engine/orphaned-invitations';
import { reconcileLocations } from '../../engine/reconcile-locations';
import { reconcilePage, type UserPageInput } from '../../engine/reconcile-page';
import { checkReviewedPlan } from '../../engine/review-check';
import { runCounts } from '../../engine/run-counts';
import { type BeginRunInput, beginRun, finishRun, partitionUsers } from '../../engine/runs';
import { reconcileSingleUser, type SingleUserInput } from '../../engine/single-user';
import { withUserLease } from '../../engine/user-lease';
import { activityProgress, runActivity, runFenced, runHeartbeating } from '../attempt';

type Arg<F> = F extends (engine: Engine, input: infer I, ...rest: never[]) => unknown ? I : never;

export function createSyncActivities(engine: Engine) {
  return {
    beginRun: (input: BeginRunInput) => runActivity(() => beginRun(engine, input)),
    finishRun: (input: Arg<typeof finishRun>) => runActivity(() => finishRun(engine, input)),
    runCounts: (input: Arg<typeof runCounts>) => runActivity(() => runCounts(engine, input)),
    // Writes locations to Visitor: heartbeating and fenced, so a timed-out attempt never writes
    // beside its retry (needs a heartbeat time-out: LOCATIONS_ACTIVITY).
    syncLocations: (input: Arg<typeof reconcileLocations>) =>
      runFenced(
        input.dryRun ? undefined : engine.fences,
        `locations:${input.runId}`,
        'drop',
        (progress, fence) => reconcileLocations(engine, input, { progress, fence }),
      ),
    partitionUsers: (input: Arg<typeof partitionUsers>) => runActivity(() => partitionUsers(engine, input)),
    checkReviewedPlan: (input: Arg<typeof checkReviewedPlan>) =>
      runActivity(() => checkReviewedPlan(engine, input)),
    syncUserPage: (input: UserPageInput) =>
      runHeartbeating((progress, attempt, resume) =>
        reconcilePage(engine, input, { progress, attempt, resume }),
      ),
    deletionSummary: (input: Arg<typeof deletionSummary>) =>
      runActivity(() => deletionSummary(engine, input)),
    // Fenced: an older attempt of a batch never deletes beside its retry.
    applyDeletions: (input: Arg<typeof applyDeletions>) =>
      runFenced(engine.fences, `deletions:${input.runId}`, 'return', (progress, fence) =>
        applyDeletions(engine, input, progress, fence),
      ),
    rejectDeletions: (input: Arg<typeof rejectDeletions>) =>
      runActivity(() => rejectDeletions(engine, input)),
    settleDeletions: (input: { runId: string; dryRun: boolean }) =>
      runActivity(() => settleDeletions(engine, { ...input, path: 'run' })),
    applyHeldDeletions: (input: Arg<typeof applyHeldDeletions>) =>
      runFenced(engine.fences, `deletion-decision:${input.decisionId}`, 'return', (progress, fence) =>
        applyHeldDeletions(engine, input, progress, fence),
      ),
    beginApplyingDecision: (input: Arg<typeof beginApplyingDecision>) =>
      runActivity(() => beginApplyingDecision(engine, input)),
    closeDeletionDecision: (input: Arg<typeof closeDeletionDecision>) =>
      runActivity(() => closeDeletionDecision(engine, input)),
    // Under the user's lease (a dry run writes nothing, so takes none): no page acts on the user meanwhile.
    // In the event lane: one user's change goes ahead of bulk page traffic under the same rate limit.
    syncSingleUser: (input: SingleUserInput) =>
      runActivity(() => {
        const run = () =>
          reconcileSingleUser(engine, input, Context.current().info.attempt, activityProgress());
        return input.dryRun ? run() : withUserLease(engine, input.engageUserId, `user:${input.runId}`, run);
      }, 'event'),
    sendPendingInvitations: (input: Arg<typeof sendPendingInvitations>) =>
      runFenced(engine.fences, `invitations:${input.runId}`, 'return', (progress, fence) =>
        sendPendingInvitations(engine, input, progress, fence),
      ),
    cancelPendingInvitations: (input: Arg<typeof cancelPendingInvitations>) =>
      runActivity(() => cancelPendingInvitations(engine, input)),
    countPendingInvitations: (input: Arg<typeof countPendingInvitations>) =>
      runActivity(() => countPendingInvitations(engine, input)),
    // The sweep for pending invitations whose run is gone (engine/orphaned-invitations.ts).
    adoptOrphanedInvitations: (input: AdoptOrphanedInvitationsInput) =>
      runActivity(() => adoptOrphanedInvitations(engine, input)),
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
