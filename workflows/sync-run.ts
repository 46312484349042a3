// The reconcile run behind the initial sync and the daily schedule: locations first, then users in
// pages (a sliding window of page activities), then deletions (held for approval past a threshold),
// then the invitations of the users it created. History stays bounded by continuing as new.

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { addCounts, shouldStopForFailures } from '../domain/run-math';
import { invitationsWorkflowId as invitationsWorkflowIdOf } from './ids';
import { invitationsWorkflow } from './invitations';
import { decideDeletionsUpdate, progressQuery, stopRunSignal } from './messages';
import { progressOf } from './progress';
import { DRY_RUN, FAILED_USERS, RUN_KIND, RUN_STATUS, STARTED_BY } from './search-attributes';
import type {
  Counts,
  DeletionDecision,
  Phase,
  RunStatus,
  SyncRunCarry,
  SyncRunInput,
  SyncRunResult,
} from './types';

/**
 * Page activities in flight at once (the worker's SCIM client bounds the requests they share). Four
 * rather than two: with two, the worker idled a third of a daily run while each page waited for
 * its reads or for Temporal to hand it the next one.
 */
const PAGE_WINDOW = 4;
/** Runs recorded before the 'page-window-4' patch kept two pages in flight. */
const LEGACY_PAGE_WINDOW = 2;
/** Continue as new well before Temporal's 10k-event warning. */
const MAX_HISTORY_EVENTS = 4_000;

const fast = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    nonRetryableErrorTypes: ['VisitorAuthError', 'ConfigError'],
  },
});
const paged = proxyActivities<SyncActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '60s',
  retry: {
    initialInterval: '1s',
    maximumInterval: '60s',
    nonRetryableErrorTypes: ['VisitorAuthError', 'ConfigError'],
  },
});

export async function syncRunWorkflow(input: SyncRunInput): Promise<SyncRunResult> {
  const info = workflowInfo();
  const runId = input.carry?.runId ?? info.workflowId;
  const dryRun = input.dryRun ?? false;
  let phase: Phase = input.carry ? 'users' : 'starting';
  let counts: Counts = input.carry?.counts ?? {};
  let pagesDone = input.carry?.pagesDone ?? 0;
  let boundaries = input.carry?.boundaries ?? [];
  let deletionsPending: number | undefined;
  let stopRequested: string | undefined;
  let decision: DeletionDecision | undefined;
  const startedAtMs = input.carry?.startedAtMs ?? Date.now();

  setHandler(progressQuery, () =>
    progressOf({
      runId,
      kind: input.kind,
      phase,
      dryRun,
      pagesDone,
      pagesTotal: boundaries.length + 1,
      counts,
      startedAtMs,
      deletionsPending,
      reason: stopRequested,
    }),
  );
  setHandler(stopRunSignal, ({ by, reason }) => {
    stopRequested = `stopped by ${by}${reason ? `: ${reason}` : ''}`;
  });
  setHandler(
    decideDeletionsUpdate,
    (d) => {
      decision = d;
      return { accepted: true, pending: deletionsPending ?? 0 };
    },
    {
      validator: (_d: DeletionDecision) => {
        if (phase !== 'awaiting-approval')
          throw new Error(`this run is not waiting for a deletion decision (phase: ${phase})`);
        if (decision)
          throw new Error(
            `the deletions were already ${decision.approve ? 'approved' : 'rejected'} by ${decision.by}`,
          );
      },
    },
  );

  const setStatus = (status: RunStatus) =>
    upsertSearchAttributes([
      { key: RUN_STATUS, value: status },
      { key: FAILED_USERS, value: counts.failed ?? 0 },
    ]);
  const finish = async (status: RunStatus, reason?: string, extra: Partial<SyncRunResult> = {}) => {
    phase = 'finished';
    await fast.finishRun({ runId, status, counts, reason: reason ?? null });
    setStatus(status);
    if (reason) upsertMemo({ reason });
    return { runId, status, counts, ...(reason ? { reason } : {}), ...extra } satisfies SyncRunResult;
  };

  let carry: Omit<SyncRunCarry, 'boundaries' | 'nextPage' | 'counts' | 'pagesDone'>;
  if (input.carry) {
    carry = input.carry;
  } else {
    upsertSearchAttributes([
      { key: RUN_KIND, value: input.kind },
      { key: STARTED_BY, value: input.startedBy },
      { key: DRY_RUN, value: dryRun },
      { key: RUN_STATUS, value: 'running' },
    ]);
    const begun = await fast.beginRun({
      runId,
      kind: input.kind,
      startedBy: input.startedBy,
      dryRun,
      workflowId: info.workflowId,
      invitations: input.invitations ?? null,
      full: input.full ?? null,
    });
    if (begun.status === 'refused') {
      phase = 'finished';
      setStatus('skipped');
      const reason = `another sync is running (${begun.activeRunId})`;
      upsertMemo({ reason });
      return { runId, status: 'skipped', reason, counts };
    }
    // Versioned: histories recorded before this memo existed replay without it.
    if (begun.previous && patched('previous-run-memo')) {
      upsertMemo({
        previousRun: `${begun.previous.runId} ${begun.previous.status}: ${begun.previous.reason ?? 'no reason recorded'}`,
      });
    }
    phase = 'locations';
    let locations: Awaited<ReturnType<SyncActivities['syncLocations']>>;
    try {
      locations = await fast.syncLocations({ runId, dryRun });
    } catch (err) {
      return finish('failed', fatalReason(err));
    }
    phase = 'planning';
    boundaries = (await fast.partitionUsers({ pageSize: input.pageSize ?? null })).boundaries;
    carry = {
      runId,
      startedAtMs,
      invitations: begun.invitations,
      full: begun.full,
      defaultLocationId: locations.defaultLocationId,
      locations: locations.counts,
    };
  }

  // --- users: a sliding window of page activities over the Engage id ranges -------------------------
  phase = 'users';
  const pageWindow = patched('page-window-4') ? PAGE_WINDOW : LEGACY_PAGE_WINDOW;
  const pagesTotal = boundaries.length + 1;
  let nextPage = input.carry?.nextPage ?? 0;
  let inFlight = 0;
  let fatal: string | undefined;
  const runPage = async (page: number) => {
    inFlight++;
    try {
      const result = await paged.syncUserPage({
        runId,
        kind: input.kind,
        afterId: page === 0 ? null : boundaries[page - 1]!,
        upToId: page < boundaries.length ? boundaries[page]! : null,
        dryRun,
        full: carry.full,
        invitations: carry.invitations,
        defaultLocationId: carry.defaultLocationId,
      });
      counts = addCounts(counts, result.counts);
      pagesDone++;
      if (result.fatal) fatal ??= result.fatal;
    } catch (err) {
      fatal ??= fatalReason(err);
    } finally {
      inFlight--;
    }
  };
  while (nextPage < pagesTotal && !fatal && !stopRequested) {
    await condition(() => inFlight < pageWindow);
    if (fatal || stopRequested) break;
    const failureStop = shouldStopForFailures(counts);
    if (failureStop) {
      fatal = failureStop;
      break;
    }
    if (
      workflowInfo().historyLength > (input.historyBudget ?? MAX_HISTORY_EVENTS) ||
      workflowInfo().continueAsNewSuggested
    ) {
      await condition(() => inFlight === 0);
      // A page failure or stop that arrived while waiting ends the run here, not in the next one.
      if (fatal || stopRequested) break;
      await condition(allHandlersFinished);
      await continueAsNew<typeof syncRunWorkflow>({
        ...input,
        carry: { ...carry, boundaries, nextPage, counts, pagesDone },
      });
    }
    void runPage(nextPage++);
  }
  await condition(() => inFlight === 0);

  // --- invitations held for later: one durable workflow per run holds the whole batch -------------------
  // Versioned: the pending batch is read from the sync state (a page retried after a crash does not
  // count the users its first attempt created) and scheduled before deletions can make the run wait,
  // also when the run failed or was stopped after creating users.
  let invitationsWorkflowId: string | undefined;
  const invitationsEarly = patched('invitations-from-state');
  if (invitationsEarly && !dryRun && carry.invitations.mode === 'delay') {
    const { pending } = await fast.countPendingInvitations({ runId });
    if (pending > 0) {
      invitationsWorkflowId = invitationsWorkflowIdOf(runId);
      await startInvitations(invitationsWorkflowId, {
        runId,
        dueAtMs: startedAtMs + carry.invitations.delayMs,
      });
    }
  }
  const withInvitations = invitationsWorkflowId ? { invitationsWorkflowId } : {};
  if (fatal) return finish('failed', fatal, { locations: carry.locations, ...withInvitations });
  if (stopRequested)
    return finish('stopped', stopRequested, { locations: carry.locations, ...withInvitations });

  // --- deletions: applied after everything else; past the safety threshold an operator decides --------
  phase = 'deletions';
  let summary: Awaited<ReturnType<SyncActivities['deletionSummary']>>;
  try {
    summary = await fast.deletionSummary({ runId });
  } catch (err) {
    return finish('failed', fatalReason(err), { locations: carry.locations, ...withInvitations });
  }
  deletionsPending = summary.pending;
  let applied = 0;
  let rejected = 0;
  if (summary.pending > 0 && summary.refuseReason) {
    // An empty Engage never deletes anyone, approval or not.
    if (!dryRun) rejected = (await fast.rejectDeletions({ runId, by: 'safety-guard' })).rejected;
  } else if (summary.pending > 0) {
    let approved = !summary.holdReason;
    if (summary.holdReason) {
      phase = 'awaiting-approval';
      setStatus('awaiting-approval');
      upsertMemo({ awaiting: summary.holdReason });
      await condition(() => decision !== undefined || stopRequested !== undefined);
      approved = decision?.approve ?? false;
      upsertMemo({
        awaiting: null,
        deletionDecision: decision
          ? `${decision.approve ? 'approved' : 'rejected'} by ${decision.by}`
          : 'none',
      });
      setStatus('running');
      phase = 'deletions';
    }
    try {
      if (approved && !dryRun) {
        for (;;) {
          const r = await paged.applyDeletions({ runId, limit: 200 });
          applied += r.applied;
          counts = addCounts(counts, r.counts);
          if (r.remaining === 0) break;
        }
      } else if (!dryRun) {
        rejected = (await fast.rejectDeletions({ runId, by: decision?.by ?? 'nobody' })).rejected;
      }
    } catch (err) {
      return finish('failed', fatalReason(err), { locations: carry.locations, ...withInvitations });
    }
  }
  const deletions = { pending: summary.pending, applied, rejected };

  // Histories recorded before 'invitations-from-state' scheduled the batch here, from the counts.
  if (
    !invitationsEarly &&
    !dryRun &&
    carry.invitations.mode === 'delay' &&
    (counts.invitationsPending ?? 0) > 0
  ) {
    phase = 'invitations';
    invitationsWorkflowId = invitationsWorkflowIdOf(runId);
    await startInvitations(invitationsWorkflowId, {
      runId,
      dueAtMs: startedAtMs + carry.invitations.delayMs,
    });
  }
  const status: RunStatus = stopRequested ? 'stopped' : 'completed';
  return finish(status, stopRequested ?? summary.refuseReason ?? summary.holdReason ?? undefined, {
    locations: carry.locations,
    deletions,
    ...(invitationsWorkflowId ? { invitationsWorkflowId } : {}),
  });
}

/**
 * Starts the run's invitations workflow; it outlives the run (ABANDON). Already started (a retried
 * or continued run) is fine: it is the same batch.
 */
export async function startInvitations(
  workflowId: string,
  input: { runId: string; dueAtMs: number },
): Promise<void> {
  try {
    await startChild(invitationsWorkflow, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** The operator-facing reason of a failure that ends the run. */
function fatalReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return err instanceof Error ? err.message : String(err);
}
