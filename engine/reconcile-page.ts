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
}

/** The attempt a page runs in: its progress hook and the activity attempt (1 = first). */
export interface PageAttempt {
  progress: Progress;
  attempt: number;
}

/** Far below the page activity's heartbeat time-out. */
export const HEARTBEAT_EVERY_MS = 1000;
/** Log entries buffered before a write. */
const LOG_BATCH = 200;

export async function reconcilePage(
  engine: Engine,
  input: UserPageInput,
  { progress, attempt }: PageAttempt,
): Promise<PageResult> {
  const [stored, locations] = await Promise.all([
    engine.store.planInputsInRange(input.afterId, input.upToId),
    locationContextFor(engine, input.runId),
  ]);
  const contextDigest = contextDigestOf(locations, engine.settings.options);
  const scan = await scanInputs(engine, input, stored, contextDigest);
  const { users, invalid, states } = await pageUsers(engine, input, stored, scan);
  const byId = new Map(users.map((u) => [u.id, u]));
  const invalidIds = new Set(invalid.map((i) => i.id));
  const ids = [...new Set([...byId.keys(), ...states.keys()])]
    .filter((id) => !invalidIds.has(id))
    .sort((a, b) => a - b);
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
      holder: `page:${input.runId}:${input.afterId ?? 0}`,
      contextDigest,
      signal: progress.signal,
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

  // A malformed Engage row is reported for that user and never blocks the others.
  for (const bad of invalid) {
    if (!input.dryRun)
      await engine.store.recordFailure(bad.id, input.runId, ['invalid_row'], { reason: bad.reason });
    logBuffer.push(invalidRowEntry(input.runId, bad.id, bad.reason, input.dryRun));
    counts = addCounts(counts, { failed: 1 });
  }

  let done = 0;
  // Reading a page can take a while (the identity scan, thousands of rows): say so before planning.
  let lastBeat = engine.clock.now();
  progress.beat({ done, of: ids.length });
  // The workflow checks the run's failure ratio only between pages; a page of 1,000 users, four in
  // flight, would otherwise write thousands against a Visitor that refuses everything.
  let stopReason: string | undefined;
  // An error that is not one user's (the pool starts nothing after it) fails the page once the
  // users under way have settled and the log is written.
  let fatal: unknown;
  try {
    await pool(ids, engine.concurrency * STEPS_PER_REQUEST_SLOT, async (id) => {
      if (stopReason || progress.signal.aborted) return;
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
      done++;
      if (logBuffer.length >= LOG_BATCH) await flush();
      const now = engine.clock.now();
      if (now - lastBeat >= HEARTBEAT_EVERY_MS) {
        lastBeat = now;
        progress.beat({ done, of: ids.length });
      }
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
  const passedOver = scan.passed.size;
  const processed = passedOver + (stopReason ? done : ids.length) + invalid.length;
  // The run's counts derive from the log and this (engine/run-counts.ts), not from this attempt's counts.
  await engine.store.recordPage(input.runId, input.afterId, processed);
  return stopReason ? { processed, counts, fatal: stopReason } : { processed, counts };
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
