// What a sync run knows about itself while it runs, and how it answers operators: the `progress`
// query, the `stop` signal and the `decideDeletions` update. No activity calls here, so the handlers
// and their validator are tested without a worker.
import { ActivityFailure, ApplicationFailure, setHandler } from '@temporalio/workflow';
import { addCounts } from '../domain/run-math';
import { decideDeletionsUpdate, progressQuery, stopRunSignal } from './messages';
import { progressOf } from './progress';
import { runDetails } from './run-details';
import type { Counts, DeletionDecision, Phase, RunKind, RunProgress, RunStatus, SyncRunInput } from './types';

export class SyncRunState {
  readonly runId: string;
  readonly kind: RunKind;
  readonly dryRun: boolean;
  readonly startedAtMs: number;
  #phase: Phase;
  counts: Counts;
  #pagesDone: number;
  /** Upper Engage user ids of the pages; the last page is open-ended. */
  boundaries: number[];
  /** Known once the deletions phase has read the summary. */
  #deletionsPending: number | undefined;
  /** Why an operator stopped the run; set by the `stop` signal. */
  stopRequested: string | undefined;
  /** Where the run's current details go (the Temporal UI's; tests collect them). */
  readonly #publish: (details: string) => void;
  readonly #tenant: string | undefined;
  #outcome: { status: RunStatus; reason?: string | undefined } | undefined;
  /** The operator's answer to held deletions; set by the `decideDeletions` update. */
  decision: DeletionDecision | undefined;
  /** Page activities under way (the window, and what a cancelled run waits for). */
  pagesInFlight = 0;
  /** The run's invitations workflow, once started. */
  invitationsWorkflowId: string | undefined;

  /** A continued run picks up its id, start time, cursor and counts from `input.carry`. */
  constructor(
    input: SyncRunInput,
    workflowId: string,
    nowMs: number,
    o: { publish?: (details: string) => void; tenant?: string | undefined } = {},
  ) {
    this.runId = input.carry?.runId ?? workflowId;
    this.kind = input.kind;
    this.dryRun = input.dryRun ?? false;
    this.startedAtMs = input.carry?.startedAtMs ?? nowMs;
    this.#phase = input.carry ? 'users' : 'starting';
    this.counts = input.carry?.counts ?? {};
    this.#pagesDone = input.carry?.pagesDone ?? 0;
    this.boundaries = input.carry?.boundaries ?? [];
    this.#publish = o.publish ?? (() => {});
    this.#tenant = o.tenant;
    this.publishDetails();
  }

  get phase(): Phase {
    return this.#phase;
  }

  set phase(p: Phase) {
    this.#phase = p;
    this.publishDetails();
  }

  get pagesDone(): number {
    return this.#pagesDone;
  }

  set pagesDone(n: number) {
    this.#pagesDone = n;
    this.publishDetails();
  }

  get deletionsPending(): number | undefined {
    return this.#deletionsPending;
  }

  set deletionsPending(n: number | undefined) {
    this.#deletionsPending = n;
    this.publishDetails();
  }

  /** Puts the run's current details where operators see them (phase, pages, counts, what to do). */
  publishDetails(): void {
    this.#publish(runDetails(this.progress(), { tenant: this.#tenant, outcome: this.#outcome }));
  }

  /** The run has ended: its details lead with how, and why. */
  ended(status: RunStatus, reason?: string): void {
    this.#outcome = { status, reason };
    this.phase = 'finished';
  }

  /** Registers the query, signal and update handlers on the current workflow. */
  setHandlers(): void {
    setHandler(progressQuery, () => this.progress());
    setHandler(stopRunSignal, (request) => this.stop(request));
    setHandler(decideDeletionsUpdate, (d) => this.decideDeletions(d), {
      validator: (d) => this.validateDecision(d),
    });
  }

  get pagesTotal(): number {
    return this.boundaries.length + 1;
  }

  /** Adds a page's (or a deletion batch's) counts. */
  addCounts(counts: Counts): void {
    this.counts = addCounts(this.counts, counts);
    this.publishDetails();
  }

  progress(nowMs?: number): RunProgress {
    return progressOf({
      runId: this.runId,
      kind: this.kind,
      phase: this.phase,
      dryRun: this.dryRun,
      pagesDone: this.pagesDone,
      pagesTotal: this.pagesTotal,
      counts: this.counts,
      startedAtMs: this.startedAtMs,
      deletionsPending: this.deletionsPending,
      reason: this.stopRequested,
      ...(nowMs !== undefined ? { nowMs } : {}),
    });
  }

  /** Pages in flight finish; no new page starts and the run ends as `stopped`. */
  stop({ by, reason }: { by: string; reason?: string }): void {
    this.stopRequested = `stopped by ${by}${reason ? `: ${reason}` : ''}`;
    this.publishDetails();
  }

  /** Refuses a decision the run is not waiting for, before it reaches the history. */
  validateDecision(_d: DeletionDecision): void {
    if (this.phase !== 'awaiting-approval')
      throw new Error(`this run is not waiting for a deletion decision (phase: ${this.phase})`);
    if (this.decision)
      throw new Error(
        `the deletions were already ${this.decision.approve ? 'approved' : 'rejected'} by ${this.decision.by}`,
      );
  }

  decideDeletions(d: DeletionDecision): { accepted: boolean; pending: number } {
    this.decision = d;
    return { accepted: true, pending: this.deletionsPending ?? 0 };
  }
}

/** The operator-facing reason of a failure that ends the run. */
export function fatalReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return err instanceof Error ? err.message : String(err);
}
