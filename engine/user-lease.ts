// One holder acts on a user at a time (issue 14, defect 3). A page reads Engage and the sync state
// once, then acts for minutes; a per-user run may act on one of its users meanwhile. Each takes the
// user's lease before writing to Visitor. The per-user run holds it around its reads, so what it
// reads is fresh. A page takes it only for users it has something to do for (no round trip for the
// rest), and when the state row changed since the page read it, re-reads Engage and the state and
// plans again before any Visitor call. A dead holder's lease expires.
import { planInputOf } from '../domain/plan-input';
import type { Engine } from './engine';
import { invalidRowEntry, userEntry } from './log-entries';
import type { UserLeaseTake } from './ports';
import { type UserInput, type UserResult, type UserRunContext, userResult } from './user-result';

/** Longer than any one user's work takes; a dead holder's lease frees itself after this. */
export const LEASE_TTL_MS = 3 * 60_000;
/** How long a page or per-user run waits for a lease someone else holds (far below heartbeat time-outs). */
export const LEASE_WAIT_MS = 20_000;

/** What a page hands reconcileUser so it leases each user it acts on. */
export interface PageLease {
  /** The page's range, the same for every attempt: a retry takes over its dead attempt's leases. */
  holder: string;
  /** The planning context's digest: a fresh Engage row's plan input is computed from it. */
  contextDigest: string;
  signal: AbortSignal;
  /** The users whose lease the page holds now (renewLeases keeps them while users wait their turn). */
  held?: Set<number>;
}

/** How often a page renews the leases it holds: well inside LEASE_TTL_MS. */
export const LEASE_RENEW_MS = 60_000;

/**
 * Renews the leases a page holds, so one held while its user waits for a turn under a rate limit
 * (minutes, at a low limit) never expires under it. A failed renewal is left to the next.
 */
export function renewLeases(engine: Engine, lease: PageLease): void {
  for (const id of lease.held ?? [])
    engine.store.takeUserLease(id, lease.holder, LEASE_TTL_MS).catch(() => undefined);
}

/** The user is leased by another run for longer than we wait: retry later (the holder is on it). */
export class UserLeaseBusyError extends Error {
  constructor(engageUserId: number) {
    super(`user ${engageUserId} is being provisioned by another run: retry later`);
    this.name = 'UserLeaseBusyError';
  }
}

/** Takes the lease, waiting (with growing pauses) while another holder has it; null after `waitMs`. */
export async function takeLease(
  engine: Engine,
  engageUserId: number,
  holder: string,
  { signal, waitMs = LEASE_WAIT_MS }: { signal?: AbortSignal; waitMs?: number } = {},
): Promise<UserLeaseTake | null> {
  const until = Date.now() + waitMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 1000)) {
    const take = await engine.store.takeUserLease(engageUserId, holder, LEASE_TTL_MS);
    if (take.taken) return take;
    if (signal?.aborted || Date.now() + pause > until) return null;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * A per-user run: holds the user's lease around `fn` (its reads of Engage and the state included), so
 * no page acts on the user with what it read before. Throws UserLeaseBusyError (retryable) when a
 * page keeps the user longer than we wait.
 */
export async function withUserLease<T>(
  engine: Engine,
  engageUserId: number,
  holder: string,
  fn: () => Promise<T>,
  { waitMs = LEASE_WAIT_MS }: { waitMs?: number } = {},
): Promise<T> {
  if (!(await takeLease(engine, engageUserId, holder, { waitMs })))
    throw new UserLeaseBusyError(engageUserId);
  try {
    return await fn();
  } finally {
    // An unreleased lease only delays the next holder until it expires.
    await engine.store.releaseUserLease(engageUserId, holder).catch(() => undefined);
  }
}

/**
 * A page's user with something to do: under its lease, planned again from fresh reads when its state
 * changed since the page read it. `reconcile` is reconcileUser without the page's lease.
 */
export async function leasedPageUser(
  engine: Engine,
  ctx: UserRunContext & { lease: PageLease },
  input: UserInput,
  reconcile: (ctx: UserRunContext, input: UserInput) => Promise<UserResult>,
): Promise<UserResult> {
  const { lease, ...unleased } = ctx;
  const id = input.engageUserId;
  const take = await takeLease(engine, id, lease.holder, { signal: lease.signal });
  if (!take) {
    // The holder (a per-user run) provisions this user now, from fresher data than the page's.
    return userResult(
      'skipped',
      userEntry(ctx.runId, id, 'skip', 'skipped', {
        visitor_id: input.state?.visitorUserId ?? null,
        user_name: input.state?.userName ?? input.engage?.username ?? null,
        detail: { reason: 'another run is provisioning this user; left to it' },
      }),
    );
  }
  lease.held?.add(id);
  try {
    if (take.version === (input.state?.version ?? null)) return await reconcile(unleased, input);
    const fresh = await reread(engine, ctx, input);
    if ('failed' in fresh) return fresh.failed;
    const r = await reconcile(unleased, fresh);
    // The page stamps with the input it read, which is stale now: no stamp.
    return r.stampPlanInput ? { ...r, stampPlanInput: false } : r;
  } finally {
    lease.held?.delete(id);
    await engine.store.releaseUserLease(id, lease.holder).catch(() => undefined);
  }
}

/** The user's Engage row and state read again (the page's copies are stale). */
async function reread(
  engine: Engine,
  ctx: UserRunContext & { lease: PageLease },
  input: UserInput,
): Promise<UserInput | { failed: UserResult }> {
  const id = input.engageUserId;
  // The state first: anything saved after this read changes the version a later lease compares.
  const state = (await engine.store.usersByIds([id])).get(id) ?? null;
  const lookup = await engine.engage.userById(id);
  if (lookup.status === 'invalid') {
    await engine.store.recordFailure(id, ctx.runId, ['invalid_row'], { reason: lookup.invalid.reason });
    return { failed: userResult('failed', invalidRowEntry(ctx.runId, id, lookup.invalid.reason, false)) };
  }
  const engage = lookup.status === 'found' ? lookup.user : null;
  const { planInput: _stale, ...rest } = input;
  return {
    ...rest,
    engage,
    state,
    ...(engage?.sourceDigest ? { planInput: planInputOf(ctx.lease.contextDigest, engage.sourceDigest) } : {}),
  };
}
