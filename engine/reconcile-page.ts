// Users in pages: one call per Engage id range (afterId, upToId]. Everything it does is idempotent,
// so a retry after a crash re-plans the range and finds the users already done "unchanged".
import { planInputOf } from '../domain/plan-input';
import { addCounts, shouldStopForFailures } from '../domain/run-math';
import type { Counts, InvitationPolicy, PageResult, RunKind } from '../domain/run-types';
import type { EngageUser } from '../domain/types';
import type { Engine } from './engine';
import { conflictsFor, runIdentityGroups } from './identity-conflicts';
import { contextDigestOf, locationContextFor } from './location-context';
import { invalidRowEntry } from './log-entries';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import type { LogEntry, Progress, StoredUser } from './ports';
import { reconcileUser } from './reconcile-user';
import { LEASE_RENEW_MS, renewLeases } from './user-lease';
import { countResult, type UserInput, type UserRunContext } from './user-result';

export interface UserPageInput {
  runId: string;
  kind: RunKind;
  afterId: number | null;
  upToId: number | null;
  dryRun: boolean;
  full: boolean;
  invitations: InvitationPolicy;
  defaultLocationId: string;
  /**
   * Return after this long (once a user is done) with the rest of the range left to do
   * (PageResult.resumeAfterId): page work bounded in time at any Visitor rate. Absent: run to the end.
   */
  timeBudgetMs?: number | null;
}

/** Where an earlier attempt of this page got to (its last heartbeat): every user up to `afterId` is done. */
export interface PageResume {
  afterId: number;
  /** Users of the range up to `afterId` it processed (the page's record counts them). */
  processed: number;
}

/** The attempt a page runs in: its progress hook, the activity attempt (1 = first), where to resume. */
export interface PageAttempt {
  progress: Progress;
  attempt: number;
  resume?: PageResume | undefined;
}

/** What a page heartbeats: its progress, and where a retry resumes. */
export interface PageBeat {
  done: number;
  of: number;
  resume: PageResume | null;
}

/** Far below the page activity's heartbeat time-out; a page beats on time, not only when a user finishes. */
export const HEARTBEAT_EVERY_MS = 1000;
/**
 * Users in flight per page per request/second of a rate limit: a worker's four page slots keep about
 * two seconds of requests waiting, enough to use the limit, few enough that a user's turn comes soon.
 */
const USERS_IN_FLIGHT_PER_RPS = 0.5;
/** Log entries buffered before a write. */
const LOG_BATCH = 200;

export async function reconcilePage(
  engine: Engine,
  page: UserPageInput,
  { progress, attempt, resume }: PageAttempt,
): Promise<PageResult> {
  const startedAt = engine.clock.now();
  // Beats on a timer from the start: the reads wait for their turn under a rate limit too.
  let beatNow = () => progress.beat({ done: 0, of: 0, resume: resume ?? null } satisfies PageBeat);
  const beating = setInterval(() => beatNow(), HEARTBEAT_EVERY_MS);
  // A page that never settles (a test abandoning one) must not keep the process alive.
  beating.unref();
  try {
    return await reconcileRange(engine, page, { progress, attempt, resume }, startedAt, (beat) => {
      beatNow = beat;
    });
  } finally {
    clearInterval(beating);
  }
}

async function reconcileRange(
  engine: Engine,
  page: UserPageInput,
  { progress, attempt, resume }: PageAttempt,
  startedAt: number,
  beatWith: (beat: () => void) => void,
): Promise<PageResult> {
  // A retry starts where the attempt before it got to; the page's record covers the whole range.
  const input = resume ? { ...page, afterId: resume.afterId } : page;
  const processedBefore = resume?.processed ?? 0;
  const [stored, locations] = await Promise.all([
    engine.store.planInputsInRange(input.afterId, input.upToId),
    locationContextFor(engine, input.runId),
  ]);
  const contextDigest = contextDigestOf(locations, engine.settings.options);
  const scan = await scanInputs(engine, input, stored, contextDigest);
  const { users, invalid, states } = await pageUsers(engine, input, stored, scan);
  const byId = new Map(users.map((u) => [u.id, u]));
  const invalidRows = new Map(invalid.map((i) => [i.id, i.reason]));
  // Invalid rows are users of the range like the others, handled in id order (a resumed page's mark).
  const ids = [...new Set([...byId.keys(), ...states.keys(), ...invalidRows.keys()])].sort((a, b) => a - b);
  const activeIds = users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id);
  const [conflicts, failures] = await Promise.all([
    conflictsFor(engine, activeIds, states, input.runId),
    engine.store.failuresByIds(ids),
  ]);

  const runCtx: UserRunContext = {
    runId: input.runId,
    dryRun: input.dryRun,
    full: input.full,
    invitations: input.invitations,
    locations,
    options: engine.settings.options,
    deferDeletes: true,
    now: new Date(engine.clock.now()),
    attempt,
    // Every attempt of this page is one holder: a retry takes over the leases of an attempt that died.
    lease: {
      holder: `page:${input.runId}:${page.afterId ?? 0}`,
      contextDigest,
      signal: progress.signal,
      held: new Set(),
    },
  };
  let counts: Counts = scan.passed.size > 0 ? { unchanged: scan.passed.size } : {};
  let logBuffer: LogEntry[] = [];
  const stamps: { state: StoredUser; planInput: string }[] = [];
  const flush = async () => {
    const batch = logBuffer;
    logBuffer = [];
    await engine.store.log(batch);
  };

  // Users done in id order up to the first one not done yet: where a retry or the rest resumes.
  const mark = new DoneMark(ids, [...scan.passed]);
  let lastBeat = engine.clock.now();
  let lastRenewal = lastBeat;
  const beat = () => {
    lastBeat = engine.clock.now();
    progress.beat({
      done: mark.done,
      of: ids.length,
      resume: mark.afterId === null ? (resume ?? null) : mark.resume(processedBefore),
    } satisfies PageBeat);
    if (lastBeat - lastRenewal >= LEASE_RENEW_MS) {
      lastRenewal = lastBeat;
      renewLeases(engine, runCtx.lease!);
    }
  };
  // Reading a page can take a while (the identity scan, thousands of rows): say so before planning;
  // then as users finish, and on the timer, so a page whose users wait for their turn under a rate
  // limit still beats (and hears of a cancel or a time-out).
  beat();
  beatWith(beat);
  const budgetMs = page.timeBudgetMs ?? undefined;
  const budgetSpent = () =>
    budgetMs !== undefined && mark.done > 0 && engine.clock.now() - startedAt >= budgetMs;
  let budgetStopped = false;
  // The workflow checks the run's failure ratio only between pages; a page of 1,000 users, four in
  // flight, would otherwise write thousands against a Visitor that refuses everything.
  let stopReason: string | undefined;
  // An error that is not one user's (the pool starts nothing after it) fails the page once the
  // users under way have settled and the log is written.
  let fatal: unknown;
  try {
    await pool(ids, usersInFlight(engine), async (id) => {
      if (stopReason || progress.signal.aborted) return;
      if (budgetSpent()) {
        budgetStopped = true;
        return;
      }
      const badRow = invalidRows.get(id);
      if (badRow !== undefined) {
        // A malformed Engage row is reported for that user and never blocks the others.
        if (!input.dryRun)
          await engine.store.recordFailure(id, input.runId, ['invalid_row'], { reason: badRow });
        logBuffer.push(invalidRowEntry(input.runId, id, badRow, input.dryRun));
        counts = addCounts(counts, { failed: 1 });
        mark.finish(id);
        return;
      }
      const engage = byId.get(id) ?? null;
      const planInput = engage?.sourceDigest ? planInputOf(contextDigest, engage.sourceDigest) : undefined;
      const item: UserInput = {
        engageUserId: id,
        engage,
        state: states.get(id) ?? null,
        ...(planInput ? { planInput } : {}),
        ...(failures.get(id) ? { failure: failures.get(id)! } : {}),
        ...(conflicts.get(id) ? { conflict: conflicts.get(id)! } : {}),
      };
      const r = await reconcileUser(engine, runCtx, item);
      countResult(counts, r);
      if (r.log) logBuffer.push(r.log);
      if (r.stampPlanInput && item.state && planInput) stamps.push({ state: item.state, planInput });
      if (r.writeFailed && !input.dryRun) stopReason ??= shouldStopForFailures(counts);
      mark.finish(id);
      if (logBuffer.length >= LOG_BATCH) await flush();
      if (engine.clock.now() - lastBeat >= HEARTBEAT_EVERY_MS) beat();
    });
  } catch (err) {
    fatal = err;
  }
  // The log write never replaces the page's own error (a non-retryable one must stay so).
  await flush().catch((err: unknown) => {
    fatal ??= err;
  });
  if (!input.dryRun) {
    // Stamps only save work later: an error here must not replace the page's own.
    await engine.store.stampPlanInputs(stamps).catch((err: unknown) => {
      fatal ??= err;
    });
    engine.metrics?.outcomes(counts);
  }
  if (fatal) throw fatal;
  // Returned at its budget: the users up to the mark are done (and recorded), the rest is the next call's.
  const partial = budgetStopped && !stopReason && mark.afterId !== null && !mark.complete;
  const done = partial ? mark.resume(processedBefore) : undefined;
  // Cancelled or timed out: only the users up to the mark are known done (the retry does the rest).
  const aborted = progress.signal.aborted && !mark.complete;
  const upToMark = () => (mark.afterId === null ? processedBefore : mark.resume(processedBefore).processed);
  const processed = done
    ? done.processed
    : aborted
      ? upToMark()
      : processedBefore + scan.passed.size + (stopReason ? mark.done : ids.length);
  // The run's counts derive from the log and this (engine/run-counts.ts), not from this attempt's counts.
  await engine.store.recordPage(input.runId, page.afterId, processed);
  if (done) return { processed, counts, resumeAfterId: done.afterId };
  return stopReason ? { processed, counts, fatal: stopReason } : { processed, counts };
}

/** Users a page keeps in flight: the client's slots, and under a rate limit what the limit can serve. */
function usersInFlight(engine: Engine): number {
  const slots = engine.concurrency * STEPS_PER_REQUEST_SLOT;
  const rate = engine.requestRate;
  return rate === undefined ? slots : Math.min(slots, Math.max(2, Math.ceil(rate * USERS_IN_FLIGHT_PER_RPS)));
}

/**
 * The low-water mark of a page's users: every id up to `afterId` is done, in id order. Users the page
 * settled before its loop (passed over, invalid rows) count as done from the start.
 */
class DoneMark {
  private readonly finished = new Set<number>();
  private readonly settled: number[];
  private next = 0;
  done = 0;
  afterId: number | null = null;

  constructor(
    private readonly ids: readonly number[],
    settled: readonly number[],
  ) {
    this.settled = [...settled].sort((a, b) => a - b);
  }

  get complete(): boolean {
    return this.next >= this.ids.length;
  }

  finish(id: number): void {
    this.done++;
    this.finished.add(id);
    while (this.next < this.ids.length && this.finished.has(this.ids[this.next]!)) {
      this.finished.delete(this.ids[this.next]!);
      this.afterId = this.ids[this.next]!;
      this.next++;
    }
  }

  /** Where the rest starts, and the users up to there (settled ones included) the page processed. */
  resume(processedBefore: number): PageResume {
    const upTo = this.afterId!;
    const settledUpTo = this.settled.filter((id) => id <= upTo).length;
    return { afterId: upTo, processed: processedBefore + this.next + settledUpTo };
  }
}

/**
 * Engage rows of one id range, deleted ones included (they may need deprovisioning). The range bound
 * goes into the query, so a page reads only its own rows.
 */
async function engageRange(engine: Engine, afterId: number | null, upToId: number | null) {
  const users: EngageUser[] = [];
  const invalid: { id: number; reason: string }[] = [];
  let cursor = afterId ?? 0;
  for (;;) {
    const page = await engine.engage.usersPage({
      afterId: cursor,
      upToId,
      limit: 1000,
      includeDeleted: true,
    });
    users.push(...page.users);
    invalid.push(...page.invalid);
    if (page.nextAfterId === null) break;
    cursor = page.nextAfterId;
  }
  return { users, invalid };
}

interface InputScan {
  /** Users passed over: planned "unchanged" from the very input they would be planned from now. */
  passed: Set<number>;
  /** Every Engage id of the range (deleted included); empty when nothing was compared. */
  engageIds: number[];
}

/**
 * Compares each user's stored plan input with the one it would be planned from now (same Engage row,
 * same context, same rules → the same "unchanged" plan), reading row digests rather than rows. Users
 * in an identity conflict or with a failure record are always planned: their outcome depends on more
 * than their own row. Nothing to compare in an initial or full run.
 */
async function scanInputs(
  engine: Engine,
  input: UserPageInput,
  stored: Map<number, string | null>,
  contextDigest: string,
): Promise<InputScan> {
  const passed = new Set<number>();
  if (input.full || ![...stored.values()].some((v) => v !== null)) return { passed, engageIds: [] };
  const [digests, groups] = await Promise.all([
    engine.engage.userDigests({ afterId: input.afterId ?? 0, upToId: input.upToId }),
    runIdentityGroups(engine, input.runId),
  ]);
  const inConflict = new Set(groups.flatMap((g) => g.userIds));
  for (const [id, digest] of digests) {
    const planInput = stored.get(id);
    if (planInput && !inConflict.has(id) && planInput === planInputOf(contextDigest, digest)) passed.add(id);
  }
  for (const id of (await engine.store.failuresByIds([...passed])).keys()) passed.delete(id);
  return { passed, engageIds: [...digests.keys()] };
}

/** Engage rows and sync states of the users a page plans: the whole range, or all but those passed over. */
async function pageUsers(
  engine: Engine,
  input: UserPageInput,
  stored: Map<number, unknown>,
  scan: InputScan,
) {
  // The states before Engage: a per-user run that saves after the state read changes the version the
  // user's lease compares (user-lease.ts); one that saved before read Engage before the page did.
  if (scan.passed.size === 0) {
    const states = await engine.store.usersInRange(input.afterId, input.upToId);
    return { ...(await engageRange(engine, input.afterId, input.upToId)), states };
  }
  const needed = [...new Set([...scan.engageIds, ...stored.keys()])].filter((id) => !scan.passed.has(id));
  const states = await engine.store.usersByIds(needed);
  return { ...(await engine.engage.usersByIds(needed)), states };
}
