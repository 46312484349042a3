// The reconcile run behind the initial sync and the daily schedule: locations first, then users in
// pages (a sliding window of page activities), then deletions (held for approval past a threshold),
// then the invitations of the users it created. History stays bounded by continuing as new.
//
// Determinism: recorded histories (test/fixtures/histories) replay against this file. Every
// activity, timer, child workflow, upsert and patched() call must stay in the order it has.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { shouldStopForFailures } from '../domain/run-math';
import { PAGE_ACTIVITY, SHORT_ACTIVITY } from './activity-options';
import { invitationsWorkflowId } from './ids';
import { DRY_RUN, FAILED_USERS, RUN_KIND, RUN_STATUS, STARTED_BY } from './search-attributes';
import { startInvitations } from './start-invitations';
import { fatalReason, SyncRunState } from './sync-run-state';
import type { RunStatus, SyncRunCarry, SyncRunInput, SyncRunResult } from './types';

/**
 * Page activities in flight at once (the worker's SCIM client bounds the requests they share): enough
 * that the worker stays busy while a page waits for its reads or for its next task.
 */
const PAGE_WINDOW = 4;
/** Runs recorded before the 'page-window-4' patch kept two pages in flight. */
const LEGACY_PAGE_WINDOW = 2;
/** Continue as new well before Temporal's 10k-event warning. */
const MAX_HISTORY_EVENTS = 4_000;

const short = proxyActivities<SyncActivities>(SHORT_ACTIVITY);
const paged = proxyActivities<SyncActivities>(PAGE_ACTIVITY);

/** What the run decided before its first page; a continued run carries it over. */
type RunSetup = Omit<SyncRunCarry, 'boundaries' | 'nextPage' | 'counts' | 'pagesDone'>;

export async function syncRunWorkflow(input: SyncRunInput): Promise<SyncRunResult> {
  const run = new SyncRunState(input, workflowInfo().workflowId, Date.now());
  run.setHandlers();

  const setup = input.carry ?? (await begin(run, input));
  if ('status' in setup) return setup; // refused, or the locations failed

  const fatal = await syncUsers(run, input, setup); // continues as new past the history budget

  // Versioned: the pending batch is read from the sync state (a page retried after a crash does not
  // count the users its first attempt created) and scheduled before deletions can make the run wait,
  // also when the run failed or was stopped after creating users. Histories recorded before
  // 'invitations-from-state' scheduled the batch after deletions, from the counts.
  const invitationsFromState = patched('invitations-from-state');
  if (invitationsFromState) await scheduleInvitations(run, setup, 'from-state');
  if (fatal) return finish(run, 'failed', fatal, setup);
  if (run.stopRequested) return finish(run, 'stopped', run.stopRequested, setup);

  const deletions = await syncDeletions(run);
  if ('fatal' in deletions) return finish(run, 'failed', deletions.fatal, setup);

  if (!invitationsFromState) await scheduleInvitations(run, setup, 'from-counts');
  const status: RunStatus = run.stopRequested ? 'stopped' : 'completed';
  return finish(run, status, run.stopRequested ?? deletions.reason, setup, deletions.deletions);
}

/**
 * Starts the run: search attributes, the run record (refused while another sync runs), Visitor's
 * locations, then the page boundaries over Engage user ids.
 */
async function begin(run: SyncRunState, input: SyncRunInput): Promise<RunSetup | SyncRunResult> {
  upsertSearchAttributes([
    { key: RUN_KIND, value: input.kind },
    { key: STARTED_BY, value: input.startedBy },
    { key: DRY_RUN, value: run.dryRun },
    { key: RUN_STATUS, value: 'running' },
  ]);
  const begun = await short.beginRun({
    runId: run.runId,
    kind: input.kind,
    startedBy: input.startedBy,
    dryRun: run.dryRun,
    workflowId: workflowInfo().workflowId,
    invitations: input.invitations ?? null,
    full: input.full ?? null,
  });
  if (begun.status === 'refused') {
    run.phase = 'finished';
    setStatus(run, 'skipped');
    const reason = `another sync is running (${begun.activeRunId})`;
    upsertMemo({ reason });
    return { runId: run.runId, status: 'skipped', reason, counts: run.counts };
  }
  // Versioned: histories recorded before this memo existed replay without it.
  if (begun.previous && patched('previous-run-memo')) {
    upsertMemo({
      previousRun: `${begun.previous.runId} ${begun.previous.status}: ${begun.previous.reason ?? 'no reason recorded'}`,
    });
  }

  run.phase = 'locations';
  let locations: Awaited<ReturnType<SyncActivities['syncLocations']>>;
  try {
    locations = await short.syncLocations({ runId: run.runId, dryRun: run.dryRun });
  } catch (err) {
    return finish(run, 'failed', fatalReason(err));
  }

  run.phase = 'planning';
  let partition: Awaited<ReturnType<SyncActivities['partitionUsers']>>;
  try {
    partition = await short.partitionUsers({ pageSize: input.pageSize ?? null });
  } catch (err) {
    // Versioned: runs recorded before 'planning-failure-finishes' failed the workflow here, leaving
    // their run record 'running' with no reason.
    if (isCancellation(err) || !patched('planning-failure-finishes')) throw err;
    return finish(run, 'failed', fatalReason(err));
  }
  run.boundaries = partition.boundaries;
  return {
    runId: run.runId,
    startedAtMs: run.startedAtMs,
    invitations: begun.invitations,
    full: begun.full,
    defaultLocationId: locations.defaultLocationId,
    locations: locations.counts,
  };
}

/**
 * Users, a sliding window of page activities over the Engage id ranges. Past the history budget the
 * run waits for the pages in flight and continues as new with its cursor and counts. Returns why the
 * run must fail (a page's fatal error, too many failed users), if it must.
 */
async function syncUsers(
  run: SyncRunState,
  input: SyncRunInput,
  setup: RunSetup,
): Promise<string | undefined> {
  run.phase = 'users';
  const pageWindow = patched('page-window-4') ? PAGE_WINDOW : LEGACY_PAGE_WINDOW;
  const { boundaries, pagesTotal } = run;
  let nextPage = input.carry?.nextPage ?? 0;
  let inFlight = 0;
  let fatal: string | undefined;

  // Schedules its activity before its first await: the window's count is right when the loop looks.
  const runPage = async (page: number) => {
    inFlight++;
    try {
      const result = await paged.syncUserPage({
        runId: run.runId,
        kind: run.kind,
        afterId: page === 0 ? null : boundaries[page - 1]!,
        upToId: page < boundaries.length ? boundaries[page]! : null,
        dryRun: run.dryRun,
        full: setup.full,
        invitations: setup.invitations,
        defaultLocationId: setup.defaultLocationId,
      });
      run.addCounts(result.counts);
      run.pagesDone++;
      if (result.fatal) fatal ??= result.fatal;
    } catch (err) {
      fatal ??= fatalReason(err);
    } finally {
      inFlight--;
    }
  };

  while (nextPage < pagesTotal && !fatal && !run.stopRequested) {
    await condition(() => inFlight < pageWindow);
    if (fatal || run.stopRequested) break;
    const failureStop = shouldStopForFailures(run.counts);
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
      if (fatal || run.stopRequested) break;
      await condition(allHandlersFinished);
      await continueAsNew<typeof syncRunWorkflow>({
        ...input,
        carry: { ...setup, boundaries, nextPage, counts: run.counts, pagesDone: run.pagesDone },
      });
    }
    void runPage(nextPage++);
  }
  await condition(() => inFlight === 0);
  return fatal;
}

/**
 * Invitations held for later: one durable workflow per run holds the whole batch. 'from-state' (the
 * current path) asks the sync state whether any invitation waits; 'from-counts' (runs recorded before
 * the 'invitations-from-state' patch) trusts the pages' counts.
 */
async function scheduleInvitations(
  run: SyncRunState,
  setup: RunSetup,
  source: 'from-state' | 'from-counts',
): Promise<void> {
  if (run.dryRun || setup.invitations.mode !== 'delay') return;
  const due =
    source === 'from-state'
      ? (await short.countPendingInvitations({ runId: run.runId })).pending > 0
      : (run.counts.invitationsPending ?? 0) > 0;
  if (!due) return;
  if (source === 'from-counts') run.phase = 'invitations';
  run.invitationsWorkflowId = invitationsWorkflowId(run.runId);
  await startInvitations(run.invitationsWorkflowId, {
    runId: run.runId,
    dueAtMs: run.startedAtMs + setup.invitations.delayMs,
  });
}

/**
 * Deletions, applied after everything else. Past the safety threshold the run waits for an operator
 * (or a stop); an empty Engage never deletes anyone, approval or not.
 */
async function syncDeletions(
  run: SyncRunState,
): Promise<
  { deletions: NonNullable<SyncRunResult['deletions']>; reason: string | undefined } | { fatal: string }
> {
  run.phase = 'deletions';
  let summary: Awaited<ReturnType<SyncActivities['deletionSummary']>>;
  try {
    summary = await short.deletionSummary({ runId: run.runId });
  } catch (err) {
    return { fatal: fatalReason(err) };
  }
  run.deletionsPending = summary.pending;
  let applied = 0;
  let rejected = 0;
  if (summary.pending > 0 && summary.refuseReason) {
    if (!run.dryRun)
      rejected = (await short.rejectDeletions({ runId: run.runId, by: 'safety-guard' })).rejected;
  } else if (summary.pending > 0) {
    const approved = summary.holdReason ? await awaitDecision(run, summary.holdReason) : true;
    try {
      if (approved && !run.dryRun) {
        for (;;) {
          const r = await paged.applyDeletions({ runId: run.runId, limit: 200 });
          applied += r.applied;
          run.addCounts(r.counts);
          if (r.remaining === 0) break;
        }
      } else if (!run.dryRun) {
        rejected = (await short.rejectDeletions({ runId: run.runId, by: run.decision?.by ?? 'nobody' }))
          .rejected;
      }
    } catch (err) {
      return { fatal: fatalReason(err) };
    }
  }
  return {
    deletions: { pending: summary.pending, applied, rejected },
    reason: summary.refuseReason ?? summary.holdReason ?? undefined,
  };
}

/** Shows why the run waits (status and memo), waits for a decision or a stop; true when approved. */
async function awaitDecision(run: SyncRunState, holdReason: string): Promise<boolean> {
  run.phase = 'awaiting-approval';
  setStatus(run, 'awaiting-approval');
  upsertMemo({ awaiting: holdReason });
  await condition(() => run.decision !== undefined || run.stopRequested !== undefined);
  const { decision } = run;
  upsertMemo({
    awaiting: null,
    deletionDecision: decision ? `${decision.approve ? 'approved' : 'rejected'} by ${decision.by}` : 'none',
  });
  setStatus(run, 'running');
  run.phase = 'deletions';
  return decision?.approve ?? false;
}

function setStatus(run: SyncRunState, status: RunStatus): void {
  upsertSearchAttributes([
    { key: RUN_STATUS, value: status },
    { key: FAILED_USERS, value: run.counts.failed ?? 0 },
  ]);
}

/** Records the run's end (run record, search attributes, memo) and builds its result. */
async function finish(
  run: SyncRunState,
  status: RunStatus,
  reason: string | undefined,
  setup?: RunSetup,
  deletions?: SyncRunResult['deletions'],
): Promise<SyncRunResult> {
  run.phase = 'finished';
  await short.finishRun({ runId: run.runId, status, counts: run.counts, reason: reason ?? null });
  setStatus(run, status);
  if (reason) upsertMemo({ reason });
  return {
    runId: run.runId,
    status,
    counts: run.counts,
    ...(reason ? { reason } : {}),
    ...(setup ? { locations: setup.locations } : {}),
    ...(deletions ? { deletions } : {}),
    ...(run.invitationsWorkflowId ? { invitationsWorkflowId: run.invitationsWorkflowId } : {}),
  };
}
