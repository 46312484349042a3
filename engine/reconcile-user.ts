// One user, end to end: plan with the domain rules, apply to Visitor (or only plan, in a dry run),
// persist the new state, and describe what happened for the provisioning log. Safe to run twice.
import type { IdentityConflictOutcome } from '../domain/identity-conflicts';
import { PLAN_OUTCOME } from '../domain/plan-outcome';
import { type PlanContext, planUser, type UserPlan, type VisitorActual } from '../domain/plan-user';
import type { Outcome } from '../domain/run-types';
import type { SyncUserState } from '../domain/types';
import { type VisitorErrorKind, type VisitorScimError, visitorErrorKind } from '../scim/errors';
import { applyPlan } from './apply-plan';
import type { Engine } from './engine';
import { userEntry, withWarnings } from './log-entries';
import type { LogEntry } from './ports';
import { planDigest, predictCreate } from './predict-create';
import { leasedPageUser } from './user-lease';
import {
  UNCHANGED,
  UNCHANGED_STAMP,
  type UserInput,
  type UserResult,
  type UserRunContext,
  userResult,
} from './user-result';
import { accessOf, snapshotOf } from './visitor-mapping';
import { visitorUsersFor } from './visitor-user-index';

/** Builds this user's log entries (run, ids, duration) so each step names only what it adds. */
export type EntryFn = (action: string, outcome: string, extra?: Partial<LogEntry>) => LogEntry;

export async function reconcileUser(
  engine: Engine,
  ctx: UserRunContext,
  input: UserInput,
): Promise<UserResult> {
  // Most users of a daily run: planned unchanged, no state to save, no failure record to clear.
  // They return before any per-user closure is built.
  let early: UserPlan | undefined;
  if (!ctx.full) {
    early = planUser(
      { engage: input.engage, state: input.state, ctx: planContext(ctx, input.conflict) },
      engine.planning,
    );
    if (early.kind === 'skip' && early.reason === 'unchanged' && early.nextState === null && !input.failure)
      return input.planInput !== undefined && input.state && input.state.planInput !== input.planInput
        ? UNCHANGED_STAMP
        : UNCHANGED;
  }
  // A page acts on a user only under its lease, from data no other run changed since (user-lease.ts).
  if (ctx.lease && !ctx.dryRun)
    return leasedPageUser(engine, { ...ctx, lease: ctx.lease }, input, (c, i) => reconcileUser(engine, c, i));
  const started = engine.clock.now();
  const id = input.engageUserId;
  const baseEntry: EntryFn = (action, outcome, extra = {}) =>
    userEntry(ctx.runId, id, action, outcome, {
      visitor_id: input.state?.visitorUserId ?? null,
      user_name: input.state?.userName ?? input.engage?.username ?? null,
      duration_ms: engine.clock.now() - started,
      ...extra,
    });
  let entry = baseEntry;

  try {
    let visitorActual: VisitorActual | undefined;
    if (ctx.full && input.state?.visitorUserId) {
      const actual = await engine.visitor.getUser(input.state.visitorUserId);
      visitorActual = actual
        ? { user: snapshotOf(actual), active: actual.active, access: accessOf(actual) }
        : { user: null, access: new Map() };
    }
    const plan =
      early ??
      planUser(
        { engage: input.engage, state: input.state, ctx: planContext(ctx, input.conflict, visitorActual) },
        engine.planning,
      );
    // What the rules changed to provision this user goes with whatever its entry records.
    const warnings = 'warnings' in plan ? plan.warnings : undefined;
    if (warnings) entry = withWarnings(baseEntry, warnings);
    if (quarantined(ctx, input, plan)) {
      const f = input.failure!;
      return userResult(
        'quarantined',
        entry('skip', 'quarantined', {
          detail: { failures: f.failureCount, nextAttemptAt: f.nextAttemptAt.toISOString() },
        }),
      );
    }
    if (ctx.dryRun) return await planned(engine, ctx, plan, entry);
    return await applyPlan(engine, ctx, input, plan, entry);
  } catch (err) {
    const kind = visitorErrorKind(err);
    if (!isPerUserFailure(kind, ctx)) throw err;
    // Visitor refused this one user (or kept failing on it): record it, never block the others.
    const e = err as VisitorScimError;
    const detail = {
      status: e.status ?? null,
      scimType: e.scimType ?? null,
      detail: e.detail ?? null,
      route: e.route,
    };
    // A dry run writes nothing but the log: its failures must not count toward quarantine.
    if (!ctx.dryRun) await engine.store.recordFailure(id, ctx.runId, [failureCode(kind!)], detail);
    return userResult(
      'failed',
      entry('write', 'failed', {
        detail: { code: failureCode(kind!), reason: failureReason(kind!), ...detail },
      }),
      {
        writeFailed: true,
      },
    );
  }
}

/**
 * A user that keeps failing waits out its back-off, unless Engage changed it since — but a leaver is
 * never held back: deprovisioning goes ahead.
 */
function quarantined(ctx: UserRunContext, input: UserInput, plan: UserPlan): boolean {
  const f = input.failure;
  if (!f || plan.kind === 'delete' || plan.kind === 'deactivate') return false;
  return f.nextAttemptAt > ctx.now && (input.engage === null || input.engage.updatedAt <= f.lastFailedAt);
}

/** Page attempts after which a user Visitor keeps answering 5xx for is recorded as failed. */
export const TRANSIENT_ATTEMPTS_PER_USER = 5;

/**
 * Errors that concern this user only: Visitor refused the request (400, 404, 409, 412), or a
 * transient error that outlived the client's retries and several activity attempts. Auth errors
 * and other transient ones are the run's (they stop it, or retry the page).
 */
function isPerUserFailure(kind: VisitorErrorKind | null, ctx: UserRunContext): boolean {
  // A 429 is Visitor asking us to slow down: the page waits (and retries), the user is not failed.
  if (kind === null || kind === 'auth' || kind === 'throttled') return false;
  if (kind !== 'transient') return true;
  return ctx.attempt >= TRANSIENT_ATTEMPTS_PER_USER;
}

function failureCode(kind: VisitorErrorKind): string {
  if (kind === 'conflict') return 'visitor_conflict';
  if (kind === 'notFound') return 'visitor_not_found';
  if (kind === 'transient') return 'visitor_unavailable';
  return 'visitor_rejected';
}
function failureReason(kind: VisitorErrorKind): string {
  if (kind === 'conflict')
    return 'Visitor reports a conflict (another user holds this userName or externalId)';
  if (kind === 'transient') return 'Visitor kept failing for this user across retries';
  return 'Visitor rejected the request';
}

/**
 * Only a linked, active state vouches for its input: a daily run may pass such a user over as
 * "unchanged". Leavers are planned every run, the same whichever run deprovisioned them.
 */
export function vouchedPlanInput(
  ctx: UserRunContext,
  input: UserInput,
  state: SyncUserState,
): string | undefined {
  if (ctx.full || ctx.replanned || state.visitorUserId === null || state.deprovisioned) return undefined;
  return input.planInput;
}

function planContext(
  ctx: UserRunContext,
  conflict: IdentityConflictOutcome | undefined,
  actual?: VisitorActual,
): PlanContext {
  return {
    defaultLocationId: ctx.locations.defaultLocationId,
    allVisitorLocationIds: ctx.locations.allVisitorLocationIds,
    locationMap: ctx.locations.locationMap,
    options: ctx.options,
    ...(conflict ? { identityConflict: conflict } : {}),
    ...(actual ? { visitorActual: actual } : {}),
  };
}

/** A dry run: the plan, logged as "planned", nothing written anywhere but the log. */
/**
 * A dry run's entry: what the real run would do, said so a reviewed plan can be compared with a fresh
 * one — the digest of what it writes, and for a create whether Visitor already holds the user
 * (adopted, or another Engage user's) and who gets an invitation.
 */
async function planned(
  engine: Engine,
  ctx: UserRunContext,
  plan: UserPlan,
  entry: EntryFn,
): Promise<UserResult> {
  const outcome: Outcome =
    plan.kind === 'skip' && plan.reason === 'unchanged' ? 'unchanged' : PLAN_OUTCOME[plan.kind];
  if (outcome === 'unchanged') return userResult(outcome, null);
  const digest = planDigest(plan);
  if (plan.kind === 'create') {
    const p = await predictCreate(
      engine,
      plan.engageUserId,
      plan,
      ctx.invitations,
      await visitorUsersFor(engine, ctx.runId),
    );
    const detail = { plan: digest, invitation: p.invitation, ...(p.reason ? { reason: p.reason } : {}) };
    const outcomeOf = { create: 'created', adopt: 'adopted', fail: 'failed' } as const;
    return userResult(
      outcomeOf[p.action],
      entry(p.action, 'planned', { attributes: ['*'], visitor_id: p.visitorId, detail }),
    );
  }
  const attributes = plan.kind === 'update' || plan.kind === 'reactivate' ? changedNames(plan) : null;
  const detail =
    plan.kind === 'fail'
      ? { failures: plan.failures, plan: plan.failures.map((f) => f.code).join(',') }
      : plan.kind === 'skip' || plan.kind === 'delete' || plan.kind === 'deactivate'
        ? { reason: plan.reason, ...(digest ? { plan: digest } : {}) }
        : { plan: digest };
  return userResult(outcome, entry(plan.kind, 'planned', { attributes, detail }));
}

export function changedNames(plan: Extract<UserPlan, { kind: 'update' | 'reactivate' }>): string[] {
  const names: string[] = plan.attributes.map((a) => a.attribute);
  if (plan.access.add.length || plan.access.setRole.length || plan.access.remove.length)
    names.push('locationAccess');
  return names;
}
