// The reconcile run behind the initial sync and the daily schedule: locations first, then users in
// pages (a sliding window of page activities), then deletions (held for approval past a threshold),
// then the invitations of the users it created. History stays bounded by continuing as new.
//
// Determinism: recorded histories (test/fixtures/histories) replay against this file. Every
// activity, timer, child workflow, upsert and patched() call must stay in the order it has.
import {
  ActivityCancellationType,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { shouldStopForFailures } from '../domain/run-math';
import { LOCATIONS_ACTIVITY, PAGE_ACTIVITY, SHORT_ACTIVITY } from './activity-options';
import { invitationsWorkflowId, pageTaskQueue, planCheckWorkflowId } from './ids';
import { pageSummary } from './run-details';
import { DRY_RUN, FAILED_USERS, RUN_KIND, RUN_STATUS, STARTED_BY, TENANT } from './search-attributes';
import { ensureDeletionDecision } from './start-decision';
import { startInvitations } from './start-invitations';
import { fatalReason, SyncRunState } from './sync-run-state';
import type { PageRange, RunStatus, SyncRunCarry, SyncRunInput, SyncRunResult } from './types';

/** Runs recorded before 'pages-scale-out' kept this many pages in flight on the workflows' task queue. */
const PAGE_WINDOW = 4;
/** Runs recorded before the 'page-window-4' patch kept two pages in flight. */
const LEGACY_PAGE_WINDOW = 2;
/**
 * Pages scheduled at once on the page task queue; the workers' page slots decide how many run, so
 * pages in flight grow with the workers (up to this).
 */
const SCALE_OUT_WINDOW = 64;
/** History events one page adds at most (scheduled, started, completed, and the workflow task's). */
const EVENTS_PER_PAGE = 8;
/** A page returns after this long with the rest of its range left: page work bounded at any rate. */
const PAGE_TIME_BUDGET_MS = 4 * 60_000;
/** Continue as new well before Temporal's 10k-event warning. */
const MAX_HISTORY_EVENTS = 4_000;

const short = proxyActivities<SyncActivities>(SHORT_ACTIVITY);
const paged = proxyActivities<SyncActivities>(PAGE_ACTIVITY);
/** syncLocations heartbeating, so a timed-out attempt is noticed and fenced off. */
const locationActs = proxyActivities<SyncActivities>(LOCATIONS_ACTIVITY);
/**
 * Pages a stop cancels: the workflow waits for the page to end (it stops at its next user and
 * heartbeat), so nothing is still writing once the run records its end.
 */
const stoppablePage = proxyActivities<SyncActivities>({
  ...PAGE_ACTIVITY,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * Versioned behaviours, each guarded where histories may be in flight:
 * - 'stop-before-continue-as-new': a stop or page failure that arrives while the run waits to
 *   continue as new ends the run there (before it, the run continued as new anyway).
 * - 'stop-cancels-pages': a stop cancels the pages in flight (before it, they ran to their end).
 * - 'deletions-never-wait': deletions past the budget are held for a decision of their own and the
 *   run finishes (before it, the run waited for approve/reject with no time limit).
 * - 'cancel-finishes-run': a run cancelled from the UI records its end and hands its held
 *   invitations over (before it, the cancellation ended the workflow at once).
 * - 'adopt-orphaned-invitations': a bulk run first adopts the delayed invitations of runs that
 *   ended without handing them to their workflow (terminated from the UI).
 * - 'locations-heartbeat': syncLocations runs with a heartbeat time-out (LOCATIONS_ACTIVITY).
 * - 'recorded-counts': the run's result counts are those its record holds (finishRun's answer),
 *   not the sum of the page attempts that succeeded.
 * - 'pages-scale-out': pages go to the page task queue (pageTaskQueue), up to SCALE_OUT_WINDOW at
 *   once, each returning at its time budget with the rest of its range scheduled again (before it,
 *   PAGE_WINDOW pages on the workflows' queue, each running to its end).
 * - 'reviewed-plan': a run given a reviewed dry run checks a fresh plan against it before writing
 *   (runs started before it had no such input).
 * - 'page-summaries': each page activity carries the id range it covers as its summary in the UI.
 * - 'status-across-continue-as-new': an execution that continues as new closes with EvsRunStatus
 *   'continued-as-new' and the next one sets 'running' (before it, closed executions kept 'running').
 */
const PATCHES = {
  pagesScaleOut: 'pages-scale-out',
  stopBeforeContinueAsNew: 'stop-before-continue-as-new',
  stopCancelsPages: 'stop-cancels-pages',
  deletionsNeverWait: 'deletions-never-wait',
  cancelFinishesRun: 'cancel-finishes-run',
  adoptOrphanedInvitations: 'adopt-orphaned-invitations',
  locationsHeartbeat: 'locations-heartbeat',
  recordedCounts: 'recorded-counts',
  reviewedPlan: 'reviewed-plan',
  pageSummaries: 'page-summaries',
  statusAcrossContinueAsNew: 'status-across-continue-as-new',
} as const;

/** What the run decided before its first page; a continued run carries it over. */
type RunSetup = Omit<SyncRunCarry, 'boundaries' | 'nextPage' | 'counts' | 'pagesDone' | 'rests'>;

export async function syncRunWorkflow(input: SyncRunInput): Promise<SyncRunResult> {
  const run = new SyncRunState(input, workflowInfo().workflowId, Date.now(), {
    publish: setCurrentDetails,
    tenant: workflowInfo().typedSearchAttributes.get(TENANT),
  });
  run.setHandlers();
  let setup: RunSetup | undefined = input.carry;
  try {
    return await runPhases(run, input, (s) => {
      setup = s;
    });
  } catch (err) {
    if (!isCancellation(err) || !patched(PATCHES.cancelFinishesRun)) throw err;
    // Cancelled from the UI: record the end and hand the run's held invitations over, whatever
    // is cancelled around this scope; then end as cancelled.
    const s = setup;
    await CancellationScope.nonCancellable(async () => {
      // The pages heard of the cancel (they stop at their next user): nothing writes once the end is recorded.
      await condition(() => run.pagesInFlight === 0);
      if (s) await scheduleInvitations(run, s, 'from-state');
      await finish(run, 'cancelled', 'cancelled from Temporal', s);
    });
    throw err;
  }
}

async function runPhases(
  run: SyncRunState,
  input: SyncRunInput,
  started: (setup: RunSetup) => void,
): Promise<SyncRunResult> {
  // A continued execution starts with the status its predecessor closed with ('continued-as-new').
  if (input.carry && patched(PATCHES.statusAcrossContinueAsNew))
    upsertSearchAttributes([{ key: RUN_STATUS, value: 'running' }]);
  const setup = input.carry ?? (await begin(run, input));
  if ('status' in setup) return setup; // refused, or the locations failed
  started(setup);

  const fatal = await syncUsers(run, input, setup); // continues as new past the history budget

  // Versioned: the pending batch is read from the sync state (a page retried after a crash does not
  // count the users its first attempt created) and scheduled before deletions can make the run wait,
  // also when the run failed or was stopped after creating users. Histories recorded before
  // 'invitations-from-state' scheduled the batch after deletions, from the counts.
  const invitationsFromState = patched('invitations-from-state');
  if (invitationsFromState) await scheduleInvitations(run, setup, 'from-state');
  if (fatal) return finish(run, 'failed', fatal, setup);
  if (run.stopRequested) return finish(run, 'stopped', run.stopRequested, setup);

  const deletions = patched(PATCHES.deletionsNeverWait)
    ? await settleRunDeletions(run)
    : await syncDeletions(run);
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
    const reason = `another sync is running (${begun.activeRunId})`;
    run.ended('skipped', reason);
    setStatus(run, 'skipped');
    upsertMemo({ reason });
    return { runId: run.runId, status: 'skipped', reason, counts: run.counts };
  }
  // Versioned: histories recorded before this memo existed replay without it.
  if (begun.previous && patched('previous-run-memo')) {
    upsertMemo({
      previousRun: `${begun.previous.runId} ${begun.previous.status}: ${begun.previous.reason ?? 'no reason recorded'}`,
    });
  }

  if (input.reviewedPlanRunId && !run.dryRun && patched(PATCHES.reviewedPlan)) {
    const ended = await checkReviewedPlan(run, input, input.reviewedPlanRunId);
    if (ended) return finish(run, ended.status, ended.reason);
  }

  if (!run.dryRun && patched(PATCHES.adoptOrphanedInvitations)) await adoptOrphans(run, begun.invitations);

  run.phase = 'locations';
  let locations: Awaited<ReturnType<SyncActivities['syncLocations']>>;
  const locationsBy = patched(PATCHES.locationsHeartbeat) ? locationActs : short;
  try {
    locations = await locationsBy.syncLocations({ runId: run.runId, dryRun: run.dryRun });
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
 * Onboarding applies what was reviewed: a fresh dry run (a child, under this run's lock, so no other
 * bulk run changes Visitor meanwhile) must plan every object as the reviewed one did. Returns why the
 * run is refused, if it is.
 */
async function checkReviewedPlan(
  run: SyncRunState,
  input: SyncRunInput,
  reviewedRunId: string,
): Promise<{ status: RunStatus; reason: string } | undefined> {
  run.phase = 'checking-plan';
  const freshRunId = planCheckWorkflowId(run.runId);
  // A stop during the check (hours of Visitor reads at 100k users) ends the run there, before any write.
  const scope = new CancellationScope();
  const check = scope.run(() =>
    executeChild(syncRunWorkflow, {
      workflowId: freshRunId,
      args: [
        {
          kind: input.kind,
          startedBy: `plan-check:${run.runId}`,
          dryRun: true,
          ...(input.full ? { full: true } : {}),
          ...(input.invitations ? { invitations: input.invitations } : {}),
          ...(input.pageSize ? { pageSize: input.pageSize } : {}),
        },
      ],
    }),
  );
  const settled = check.then(
    () => undefined,
    (err: unknown) => err,
  );
  await Promise.race([settled, condition(() => run.stopRequested !== undefined)]);
  if (run.stopRequested !== undefined) {
    scope.cancel();
    await settled;
    return { status: 'stopped', reason: run.stopRequested };
  }
  const failed = await settled;
  if (failed) {
    if (isCancellation(failed)) throw failed;
    return { status: 'failed', reason: `the plan check ${freshRunId} failed: ${fatalReason(failed)}` };
  }
  const checked = await short.checkReviewedPlan({
    runId: run.runId,
    kind: input.kind,
    reviewedRunId,
    freshRunId,
  });
  return checked.ok ? undefined : { status: 'failed', reason: checked.reason };
}

/**
 * Delayed invitations that runs ended without (terminated from the UI before their batch started)
 * join this run's: sent with its delayed batch, at once under 'send', cancelled under 'disabled'.
 */
async function adoptOrphans(run: SyncRunState, invitations: SyncRunCarry['invitations']): Promise<void> {
  const { adopted } = await short.adoptOrphanedInvitations({ runId: run.runId, invitations });
  if (adopted === 0 || invitations.mode !== 'send') return;
  run.invitationsWorkflowId = invitationsWorkflowId(run.runId);
  await startInvitations(run.invitationsWorkflowId, { runId: run.runId, dueAtMs: Date.now() });
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
  const scaleOut = patched(PATCHES.pagesScaleOut);
  const historyBudget = input.historyBudget ?? MAX_HISTORY_EVENTS;
  // Pages scheduled at once stay within the history budget (a page adds a handful of events).
  const scaledWindow = Math.max(1, Math.min(SCALE_OUT_WINDOW, Math.floor(historyBudget / EVENTS_PER_PAGE)));
  const pageWindow = scaleOut ? scaledWindow : patched('page-window-4') ? PAGE_WINDOW : LEGACY_PAGE_WINDOW;
  const stopCancels = patched(PATCHES.stopCancelsPages);
  const summaries = patched(PATCHES.pageSummaries);
  const pageActivities = scaleOut
    ? proxyActivities<SyncActivities>({
        ...PAGE_ACTIVITY,
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        taskQueue: pageTaskQueue(workflowInfo().taskQueue),
      })
    : stopCancels
      ? stoppablePage
      : paged;
  const pages = new CancellationScope();
  const { boundaries, pagesTotal } = run;
  let nextPage = input.carry?.nextPage ?? 0;
  // The rest of pages that returned at their time budget: scheduled before new pages.
  const rests: PageRange[] = [...(input.carry?.rests ?? [])];
  let fatal: string | undefined;
  const stopped = () => stopCancels && run.stopRequested !== undefined;
  const rangeOf = (page: number): PageRange => ({
    afterId: page === 0 ? null : boundaries[page - 1]!,
    upToId: page < boundaries.length ? boundaries[page]! : null,
  });

  // Schedules its activity before its first await: the window's count is right when the loop looks.
  const runPage = async (range: PageRange) => {
    run.pagesInFlight++;
    try {
      const result = await pages.run(() =>
        pageActivities.syncUserPage.executeWithOptions(summaries ? { summary: pageSummary(range) } : {}, [
          {
            runId: run.runId,
            kind: run.kind,
            afterId: range.afterId,
            upToId: range.upToId,
            dryRun: run.dryRun,
            full: setup.full,
            invitations: setup.invitations,
            defaultLocationId: setup.defaultLocationId,
            ...(scaleOut ? { timeBudgetMs: input.pageTimeBudgetMs ?? PAGE_TIME_BUDGET_MS } : {}),
          },
        ]),
      );
      run.addCounts(result.counts);
      if (result.fatal) fatal ??= result.fatal;
      else if (result.resumeAfterId !== undefined)
        rests.push({ afterId: result.resumeAfterId, upToId: range.upToId });
      else run.pagesDone++;
    } catch (err) {
      // A page the stop cancelled ended early: what it did is in the sync state, not a failure.
      if (!(stopped() && isCancellation(err))) fatal ??= fatalReason(err);
    } finally {
      run.pagesInFlight--;
    }
  };

  const workLeft = () => nextPage < pagesTotal || rests.length > 0;
  while (!fatal && !run.stopRequested) {
    // Runs recorded before 'pages-scale-out' left this loop once the last page was scheduled.
    if (!scaleOut && !workLeft()) break;
    await condition(
      () => (run.pagesInFlight < pageWindow && workLeft()) || run.pagesInFlight === 0 || stopped(),
    );
    if (!workLeft() || fatal || run.stopRequested) break;
    const failureStop = shouldStopForFailures(run.counts);
    if (failureStop) {
      fatal = failureStop;
      break;
    }
    if (workflowInfo().historyLength > historyBudget || workflowInfo().continueAsNewSuggested) {
      await condition(() => run.pagesInFlight === 0 || stopped());
      // A page failure or stop that arrived while waiting ends the run here, not in the next one.
      if ((fatal || run.stopRequested) && patched(PATCHES.stopBeforeContinueAsNew)) break;
      await condition(allHandlersFinished);
      // The execution that closes here is not running any more: `EvsRunStatus="running"` lists live runs only.
      if (patched(PATCHES.statusAcrossContinueAsNew))
        upsertSearchAttributes([{ key: RUN_STATUS, value: 'continued-as-new' }]);
      await continueAsNew<typeof syncRunWorkflow>({
        ...input,
        carry: {
          ...setup,
          boundaries,
          nextPage,
          counts: run.counts,
          pagesDone: run.pagesDone,
          ...(rests.length > 0 ? { rests } : {}),
        },
      });
    }
    void runPage(rests.shift() ?? rangeOf(nextPage++));
  }
  if (stopped() && run.pagesInFlight > 0) pages.cancel();
  await condition(() => run.pagesInFlight === 0);
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
 * Deletions, applied after everything else, through the deletion guard: within the budget they are
 * applied; past it they are held for the pending decision (its own workflow) and the run finishes.
 * An empty Engage never deletes anyone.
 */
async function settleRunDeletions(run: SyncRunState): Promise<DeletionsOutcome> {
  run.phase = 'deletions';
  try {
    const s = await short.settleDeletions({ runId: run.runId, dryRun: run.dryRun });
    if (s.outcome === 'none') {
      // A pending decision whose workflow is gone (terminated from the UI) gets one again.
      if (s.decision && !run.dryRun) await ensureDeletionDecision(s.decision);
      return { deletions: { pending: 0, applied: 0, rejected: 0 }, reason: undefined };
    }
    run.deletionsPending = s.pending;
    if (s.outcome === 'refused')
      return { deletions: { pending: s.pending, applied: 0, rejected: s.rejected }, reason: s.reason };
    let decisionWorkflowId: string | undefined;
    if (s.outcome === 'apply' && s.held === 0 && s.decision && !run.dryRun)
      await ensureDeletionDecision(s.decision);
    if (s.held > 0 && s.decision) {
      run.addCounts({ held: s.held });
      if (!run.dryRun) {
        decisionWorkflowId = await ensureDeletionDecision(s.decision);
        upsertMemo({
          deletionsHeld: `${s.held} held for ${decisionWorkflowId} (expires ${new Date(s.decision.expiresAtMs).toISOString()})`,
        });
      }
    }
    // Stoppable: a run cancelled from the UI waits for the batch to stop before recording its end.
    const applied = s.outcome === 'apply' && !run.dryRun ? await applyAllDeletions(run, stoppablePage) : 0;
    return {
      deletions: {
        pending: s.pending,
        applied,
        rejected: 0,
        held: s.held,
        ...(decisionWorkflowId ? { decisionWorkflowId } : {}),
      },
      reason: s.reason ?? undefined,
    };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { fatal: fatalReason(err) };
  }
}

/** What the deletions phase did, or why it failed the run. */
type DeletionsOutcome =
  | { deletions: NonNullable<SyncRunResult['deletions']>; reason: string | undefined }
  | { fatal: string };

/** The run's pending deletions, in batches until none remain; how many were applied. */
async function applyAllDeletions(run: SyncRunState, acts = paged): Promise<number> {
  let applied = 0;
  for (;;) {
    const r = await acts.applyDeletions({ runId: run.runId, limit: 200 });
    applied += r.applied;
    run.addCounts(r.counts);
    if (r.remaining === 0) return applied;
  }
}

/**
 * Runs recorded before 'deletions-never-wait': deletions, applied after everything else. Past the
 * safety threshold the run waits for an operator (or a stop); an empty Engage never deletes anyone.
 */
async function syncDeletions(run: SyncRunState): Promise<DeletionsOutcome> {
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
        applied = await applyAllDeletions(run);
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
  const recorded = await short.finishRun({
    runId: run.runId,
    status,
    counts: run.counts,
    reason: reason ?? null,
  });
  // Runs recorded before finishRun answered got nothing back here.
  if (recorded && patched(PATCHES.recordedCounts)) run.counts = recorded.counts;
  run.ended(status, reason);
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
