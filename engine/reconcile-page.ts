// Users in pages: one activity per Engage id range (afterId, upToId], heartbeating its progress.
// Everything it does is idempotent, so a retry after a crash re-plans the range and finds the users
// already done "unchanged".
import { Context } from '@temporalio/activity';
import { type IdentityConflictOutcome, resolveIdentityGroup } from '../../domain/identity-conflicts';
import { planInputOf } from '../../domain/plan-input';
import { addCounts, shouldStopForFailures } from '../../domain/run-math';
import type { Counts, InvitationPolicy, PageResult, RunKind } from '../../domain/run-types';
import type { EngageUser } from '../../domain/types';
import { type IdentityConflictGroup, identityHash } from '../../engage/reader';
import type { SyncDeps } from './deps';
import { contextDigestOf, locationContextFor } from './location-context';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import { processUser, type UserInput, type UserResult, type UserRunContext } from './process-user';
import type { LogEntry, StoredUser } from './state-store';

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

/**
 * Engage rows of one id range, deleted ones included (they may need deprovisioning). The range bound
 * goes into the query: reading past it parsed twice the rows a page needs.
 */
async function engageRange(deps: SyncDeps, afterId: number | null, upToId: number | null) {
  const users: EngageUser[] = [];
  const invalid: { id: number; reason: string }[] = [];
  let cursor = afterId ?? 0;
  for (;;) {
    const page = await deps.engage.usersPage({ afterId: cursor, upToId, limit: 1000, includeDeleted: true });
    users.push(...page.users);
    invalid.push(...page.invalid);
    if (page.nextAfterId === null) break;
    cursor = page.nextAfterId;
  }
  return { users, invalid };
}

const GROUPS_TTL_MS = 60_000;
const groupsCache = new Map<string, { at: number; value: Promise<IdentityConflictGroup[]> }>();

/**
 * Every identity group of Engage for a run, read at most once a minute per run and worker. The query
 * scans all Engage users; asked once per page it made a run quadratic in the number of users
 * (bench: 200 full scans at 100k users).
 */
export function runIdentityGroups(deps: SyncDeps, runId: string): Promise<IdentityConflictGroup[]> {
  const now = Date.now();
  for (const [k, v] of groupsCache) if (now - v.at > GROUPS_TTL_MS) groupsCache.delete(k);
  const hit = groupsCache.get(runId);
  if (hit) return hit.value;
  const value = deps.engage.identityConflicts();
  value.catch(() => groupsCache.delete(runId));
  groupsCache.set(runId, { at: now, value });
  return value;
}

/**
 * Identity conflicts touching these users, resolved with what the sync already linked. `allGroups`
 * (every group, e.g. runIdentityGroups) saves the per-call query; without it Engage is asked for
 * the groups of these ids only.
 */
export async function conflictsFor(
  deps: SyncDeps,
  ids: number[],
  states: Map<number, StoredUser>,
  allGroups?: () => Promise<IdentityConflictGroup[]>,
) {
  let groups: IdentityConflictGroup[];
  if (allGroups && ids.length > 0) {
    const wanted = new Set(ids);
    groups = (await allGroups()).filter((g) => g.userIds.some((id) => wanted.has(id)));
  } else {
    groups = await deps.engage.identityConflicts(ids);
  }
  const out = new Map<number, IdentityConflictOutcome>();
  if (groups.length === 0) return out;
  const memberIds = groups.flatMap((g) => g.userIds).filter((id) => !states.has(id));
  const others = await deps.store.usersByIds(memberIds);
  for (const g of groups) {
    const outcomes = resolveIdentityGroup(
      g.userIds.map((id) => {
        const s = states.get(id) ?? others.get(id);
        return {
          engageUserId: id,
          linkedToVisitor: Boolean(
            s?.visitorUserId && !s.deprovisioned && identityHash(s.userName) === g.identityHash,
          ),
        };
      }),
    );
    for (const o of outcomes) out.set(o.engageUserId, o);
  }
  return out;
}

/** Adds one user's result to a page's counts in place (a fresh object per user showed in profiles). */
export function countResult(counts: Counts, r: UserResult): void {
  counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  if (r.invited) counts.invited = (counts.invited ?? 0) + 1;
  if (r.invitationPending) counts.invitationsPending = (counts.invitationsPending ?? 0) + 1;
  if (r.writeFailed) counts.writeFailures = (counts.writeFailures ?? 0) + 1;
}

/** Far below the page activity's 60 s heartbeat time-out. */
const HEARTBEAT_EVERY_MS = 1000;

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
  deps: SyncDeps,
  input: UserPageInput,
  stored: Map<number, string | null>,
  contextDigest: string,
): Promise<InputScan> {
  const passed = new Set<number>();
  if (input.full || ![...stored.values()].some((v) => v !== null)) return { passed, engageIds: [] };
  const [digests, groups] = await Promise.all([
    deps.engage.userDigests({ afterId: input.afterId ?? 0, upToId: input.upToId }),
    runIdentityGroups(deps, input.runId),
  ]);
  const inConflict = new Set(groups.flatMap((g) => g.userIds));
  for (const [id, digest] of digests) {
    const planInput = stored.get(id);
    if (planInput && !inConflict.has(id) && planInput === planInputOf(contextDigest, digest)) passed.add(id);
  }
  for (const id of (await deps.store.failuresByIds([...passed])).keys()) passed.delete(id);
  return { passed, engageIds: [...digests.keys()] };
}

/** Engage rows and sync states of the users a page plans: the whole range, or all but those passed over. */
async function pageUsers(
  deps: SyncDeps,
  input: UserPageInput,
  stored: Map<number, unknown>,
  scan: InputScan,
) {
  if (scan.passed.size === 0) {
    const [engage, states] = await Promise.all([
      engageRange(deps, input.afterId, input.upToId),
      deps.store.usersInRange(input.afterId, input.upToId),
    ]);
    return { ...engage, states };
  }
  const needed = [...new Set([...scan.engageIds, ...stored.keys()])].filter((id) => !scan.passed.has(id));
  const [engage, states] = await Promise.all([deps.engage.usersByIds(needed), deps.store.usersByIds(needed)]);
  return { ...engage, states };
}

export async function syncUserPageActivity(deps: SyncDeps, input: UserPageInput): Promise<PageResult> {
  const ctx = Context.current();
  const [stored, locations] = await Promise.all([
    deps.store.planInputsInRange(input.afterId, input.upToId),
    locationContextFor(deps, input.runId),
  ]);
  const contextDigest = contextDigestOf(locations, deps.settings.options);
  const scan = await scanInputs(deps, input, stored, contextDigest);
  const { users, invalid, states } = await pageUsers(deps, input, stored, scan);
  const byId = new Map(users.map((u) => [u.id, u]));
  const invalidIds = new Set(invalid.map((i) => i.id));
  const ids = [...new Set([...byId.keys(), ...states.keys()])]
    .filter((id) => !invalidIds.has(id))
    .sort((a, b) => a - b);
  const activeIds = users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id);
  const [conflicts, failures] = await Promise.all([
    conflictsFor(deps, activeIds, states, () => runIdentityGroups(deps, input.runId)),
    deps.store.failuresByIds(ids),
  ]);

  const runCtx: UserRunContext = {
    runId: input.runId,
    dryRun: input.dryRun,
    full: input.full,
    invitations: input.invitations,
    locations,
    options: deps.settings.options,
    deferDeletes: true,
    now: new Date(),
    attempt: ctx.info.attempt,
  };
  let counts: Counts = scan.passed.size > 0 ? { unchanged: scan.passed.size } : {};
  let logBuffer: LogEntry[] = [];
  const stamps: { state: StoredUser; planInput: string }[] = [];
  const flush = async () => {
    const batch = logBuffer;
    logBuffer = [];
    await deps.store.log(batch);
  };

  // A malformed Engage row is reported for that user and never blocks the others.
  for (const bad of invalid) {
    if (!input.dryRun)
      await deps.store.recordFailure(bad.id, input.runId, ['invalid_row'], { reason: bad.reason });
    logBuffer.push({
      run_id: input.runId,
      object_type: 'user',
      engage_id: bad.id,
      visitor_id: null,
      user_name: null,
      action: 'read',
      outcome: input.dryRun ? 'planned' : 'failed',
      attributes: null,
      duration_ms: null,
      detail: { reason: `malformed Engage row: ${bad.reason}` },
    });
    counts = addCounts(counts, { failed: 1 });
  }

  let done = 0;
  // The SDK sends at most one heartbeat per interval anyway; calling it per user still cost a few
  // percent of the worker's CPU (its buffering pipeline runs on every call).
  let lastBeat = 0;
  // The workflow checks the run's failure ratio only between pages; a page of 1,000 users, four in
  // flight, would otherwise write thousands against a Visitor that refuses everything.
  let stopReason: string | undefined;
  // An error that is not one user's (the pool starts nothing after it) fails the page once the
  // users under way have settled and the log is written.
  let fatal: unknown;
  try {
    await pool(ids, deps.concurrency * STEPS_PER_REQUEST_SLOT, async (id) => {
      if (stopReason || ctx.cancellationSignal.aborted) return;
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
      const r = await processUser(deps, runCtx, item);
      countResult(counts, r);
      if (r.log) logBuffer.push(r.log);
      if (r.stampPlanInput && item.state && planInput) stamps.push({ state: item.state, planInput });
      if (r.writeFailed && !input.dryRun) stopReason ??= shouldStopForFailures(counts);
      done++;
      if (logBuffer.length >= 200) await flush();
      const now = Date.now();
      if (now - lastBeat >= HEARTBEAT_EVERY_MS) {
        lastBeat = now;
        ctx.heartbeat({ done, of: ids.length });
      }
    });
  } catch (err) {
    fatal = err;
  }
  await flush();
  if (!input.dryRun) {
    // Stamps only save work later: an error here must not replace the page's own.
    await deps.store.stampPlanInputs(stamps).catch((err: unknown) => {
      fatal ??= err;
    });
    deps.metrics?.outcomes(counts);
  }
  if (fatal) throw fatal;
  // Cancelled (or timed out): stop here rather than finish a page whose result nobody will take.
  if (ctx.cancellationSignal.aborted) await ctx.cancelled;
  const passedOver = scan.passed.size;
  if (stopReason) return { processed: passedOver + done + invalid.length, counts, fatal: stopReason };
  return { processed: passedOver + ids.length + invalid.length, counts };
}
