// The sync's activities: thin adapters from Temporal to the reconcile engine (engine/). Names and
// payloads are part of recorded workflow histories: keep them as they are.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import {
  applyHeldDeletions,
  beginApplyingDecision,
  closeDeletionDecision,
  settleDeletions,
} from '../../engine/deletion-guard';
import { applyDeletions, deletionSummary, rejectDeletions } from '../../engine/deletions';
import type { Engine } from '../../engine/engine';
import { TenantUnavailableError } from '../../engine/errors';
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
import { runFinishedLine, runStartedLine, userRunLine } from '../run-lines';
import { currentTenant } from '../tenant-scope';

type Arg<F> = F extends (engine: Engine, input: infer I, ...rest: never[]) => unknown ? I : never;

/** Where an activity finds its engine: by the tenant it runs for (workers/tenant-engines.ts). */
export interface EngineSource {
  use<T>(tenantId: string | undefined, f: (engine: Engine) => Promise<T>): Promise<T>;
}

/** One engine: the single, environment-configured company's; a run naming a tenant is refused. */
function singleCompany(engine: Engine): EngineSource {
  return {
    use: (tenantId, f) =>
      tenantId === undefined
        ? f(engine)
        : Promise.reject(new TenantUnavailableError(`this worker serves no tenants (run of "${tenantId}")`)),
  };
}

/**
 * The activity's tenant. Only tenants' runs have a dot in their workflow ids (`acme.initial-sync-…` and
 * what derives from it): one without the tenant header was scheduled by a workflow worker that predates
 * tenants, and must not run as the configured company's — retried, a current worker takes it.
 */
function tenantOfActivity(): string | undefined {
  const tenant = currentTenant();
  if (tenant !== undefined) return tenant;
  const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
  if (workflowId.includes('.'))
    throw ApplicationFailure.retryable(
      `the run ${workflowId} is a tenant's but its activity carries no tenant (a worker without tenant support scheduled it)`,
      'TenantMissing',
    );
  return undefined;
}

export function createSyncActivities(engines: Engine | EngineSource) {
  const source = 'use' in engines ? engines : singleCompany(engines);
  // A tenant that cannot run (unknown, offboarded, no key to open its secrets) fails its run at once.
  const on = <T>(f: (engine: Engine) => Promise<T>): Promise<T> =>
    source.use(tenantOfActivity(), f).catch((err: unknown) => {
      if (err instanceof TenantUnavailableError)
        throw ApplicationFailure.nonRetryable(err.message, 'TenantUnavailable');
      throw err;
    });
  return {
    beginRun: (input: BeginRunInput) =>
      on(async (engine) => {
        const r = await runActivity(() => beginRun(engine, input));
        log.info(
          runStartedLine({
            ...input,
            full: r.status === 'started' && r.full,
            tenant: currentTenant(),
            ...(r.status === 'refused' ? { refusedBy: r.activeRunId } : {}),
          }),
        );
        return r;
      }),
    finishRun: (input: Arg<typeof finishRun>) =>
      on(async (engine) => {
        const r = await runActivity(() => finishRun(engine, input));
        log.info(runFinishedLine({ ...input, counts: r.counts, tenant: currentTenant() }));
        return r;
      }),
    runCounts: (input: Arg<typeof runCounts>) => on((engine) => runActivity(() => runCounts(engine, input))),
    // Writes locations to Visitor: heartbeating and fenced, so a timed-out attempt never writes
    // beside its retry (needs a heartbeat time-out: LOCATIONS_ACTIVITY).
    syncLocations: (input: Arg<typeof reconcileLocations>) =>
      on((engine) =>
        runFenced(
          input.dryRun ? undefined : engine.fences,
          `locations:${input.runId}`,
          'drop',
          (progress, fence) => reconcileLocations(engine, input, { progress, fence }),
        ),
      ),
    partitionUsers: (input: Arg<typeof partitionUsers>) =>
      on((engine) => runActivity(() => partitionUsers(engine, input))),
    checkReviewedPlan: (input: Arg<typeof checkReviewedPlan>) =>
      on((engine) => runActivity(() => checkReviewedPlan(engine, input))),
    syncUserPage: (input: UserPageInput) =>
      on((engine) =>
        runHeartbeating((progress, attempt, resume) =>
          reconcilePage(engine, input, { progress, attempt, resume }),
        ),
      ),
    deletionSummary: (input: Arg<typeof deletionSummary>) =>
      on((engine) => runActivity(() => deletionSummary(engine, input))),
    // Fenced: an older attempt of a batch never deletes beside its retry.
    applyDeletions: (input: Arg<typeof applyDeletions>) =>
      on((engine) =>
        runFenced(engine.fences, `deletions:${input.runId}`, 'return', (progress, fence) =>
          applyDeletions(engine, input, progress, fence),
        ),
      ),
    rejectDeletions: (input: Arg<typeof rejectDeletions>) =>
      on((engine) => runActivity(() => rejectDeletions(engine, input))),
    settleDeletions: (input: { runId: string; dryRun: boolean }) =>
      on((engine) => runActivity(() => settleDeletions(engine, { ...input, path: 'run' }))),
    applyHeldDeletions: (input: Arg<typeof applyHeldDeletions>) =>
      on((engine) =>
        runFenced(engine.fences, `deletion-decision:${input.decisionId}`, 'return', (progress, fence) =>
          applyHeldDeletions(engine, input, progress, fence),
        ),
      ),
    beginApplyingDecision: (input: Arg<typeof beginApplyingDecision>) =>
      on((engine) => runActivity(() => beginApplyingDecision(engine, input))),
    closeDeletionDecision: (input: Arg<typeof closeDeletionDecision>) =>
      on((engine) => runActivity(() => closeDeletionDecision(engine, input))),
    // Under the user's lease (a dry run writes nothing, so takes none): no page acts on the user meanwhile.
    // In the event lane: one user's change goes ahead of bulk page traffic under the same rate limit.
    syncSingleUser: (input: SingleUserInput) =>
      on((engine) =>
        runActivity(async () => {
          const started = performance.now();
          const run = () =>
            reconcileSingleUser(engine, input, Context.current().info.attempt, activityProgress());
          const r = await (input.dryRun
            ? run()
            : withUserLease(engine, input.engageUserId, `user:${input.runId}`, run));
          log.info(
            userRunLine({
              ...input,
              outcome: r.unknownUser ? 'unknown user' : r.outcome,
              dryRun: input.dryRun ?? false,
              durationMs: performance.now() - started,
              tenant: currentTenant(),
            }),
          );
          return r;
        }, 'event'),
      ),
    sendPendingInvitations: (input: Arg<typeof sendPendingInvitations>) =>
      on((engine) =>
        runFenced(engine.fences, `invitations:${input.runId}`, 'return', (progress, fence) =>
          sendPendingInvitations(engine, input, progress, fence),
        ),
      ),
    cancelPendingInvitations: (input: Arg<typeof cancelPendingInvitations>) =>
      on((engine) => runActivity(() => cancelPendingInvitations(engine, input))),
    countPendingInvitations: (input: Arg<typeof countPendingInvitations>) =>
      on((engine) => runActivity(() => countPendingInvitations(engine, input))),
    // The sweep for pending invitations whose run is gone (engine/orphaned-invitations.ts).
    adoptOrphanedInvitations: (input: AdoptOrphanedInvitationsInput) =>
      on((engine) => runActivity(() => adoptOrphanedInvitations(engine, input))),
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
