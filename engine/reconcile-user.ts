// One user, end to end: plan with the domain rules, apply to Visitor (or only plan, in a dry run),
// persist the new state, and describe what happened for the provisioning log. Safe to run twice.

import { planAccessChanges } from '../../domain/access-diff';
import { driftedAttributes } from '../../domain/attribute-diff';
import { fingerprint } from '../../domain/fingerprint';
import type { IdentityConflictOutcome } from '../../domain/identity-conflicts';
import { type PlanContext, planUser, type UserPlan, type VisitorActual } from '../../domain/plan-user';
import type { InvitationPolicy, Outcome } from '../../domain/run-types';
import type { EngageUser, SyncOptions, SyncUserState } from '../../domain/types';
import {
  VisitorAuthError,
  VisitorConflictError,
  VisitorNotFoundError,
  VisitorRejectedError,
  VisitorScimError,
} from '../../scim/errors';
import { setUserAttributes } from '../../scim/patch';
import { URN_VISITOR_USER } from '../../scim/wire';
import type { SyncDeps } from './deps';
import type { LocationContext } from './location-context';
import type { FailureRow, LogEntry, StoredUser } from './state-store';
import { accessOf, createBody, snapshotOf, updateOperations } from './visitor-mapping';

export interface UserRunContext {
  runId: string;
  dryRun: boolean;
  full: boolean;
  invitations: InvitationPolicy;
  locations: LocationContext;
  options: SyncOptions;
  /** Bulk runs hold deletions until every other change is applied; per-user runs apply them. */
  deferDeletes: boolean;
  now: Date;
  /** Activity attempt (1 = first): transient per-user errors become failures after a few. */
  attempt: number;
  /** Set on the one re-plan after Visitor changed under us; a second surprise is a failure. */
  replanned?: boolean;
}

export interface UserInput {
  engageUserId: number;
  engage: EngageUser | null;
  state: StoredUser | null;
  failure?: FailureRow;
  conflict?: IdentityConflictOutcome;
  /** What this user is planned from (domain/plan-input.ts), stored with the state it leads to. */
  planInput?: string;
}

export interface UserResult {
  outcome: Outcome | 'pendingDeletion';
  invited: boolean;
  invitationPending: boolean;
  log: LogEntry | null;
  /** A write Visitor refused (counts toward the run's stop-early ratio; validation failures don't). */
  writeFailed?: boolean;
  /** Planned unchanged from an input the state does not record yet: the caller records it (in bulk). */
  stampPlanInput?: boolean;
}

/** The answer for a user with nothing to write and nothing to log; shared, never changed. */
const UNCHANGED: UserResult = Object.freeze({
  outcome: 'unchanged',
  invited: false,
  invitationPending: false,
  log: null,
});
const UNCHANGED_STAMP: UserResult = Object.freeze({ ...UNCHANGED, stampPlanInput: true });

export async function processUser(
  deps: SyncDeps,
  ctx: UserRunContext,
  input: UserInput,
): Promise<UserResult> {
  // Most users of a daily run: planned unchanged, no state to save, no failure record to clear. They
  // skip the per-user closures below (a tenth of a daily run's worker CPU went to making them).
  let early: UserPlan | undefined;
  if (!ctx.full) {
    early = planUser({
      engage: input.engage,
      state: input.state,
      ctx: planContext(ctx, input.conflict, undefined),
    });
    if (early.kind === 'skip' && early.reason === 'unchanged' && early.nextState === null && !input.failure)
      return input.planInput !== undefined && input.state && input.state.planInput !== input.planInput
        ? UNCHANGED_STAMP
        : UNCHANGED;
  }
  const started = Date.now();
  const id = input.engageUserId;
  const entry = (action: string, outcome: string, extra: Partial<LogEntry> = {}): LogEntry => ({
    run_id: ctx.runId,
    object_type: 'user',
    engage_id: id,
    visitor_id: input.state?.visitorUserId ?? null,
    user_name: input.state?.userName ?? input.engage?.username ?? null,
    action,
    outcome,
    attributes: null,
    duration_ms: Date.now() - started,
    ...extra,
  });
  const result = (
    outcome: UserResult['outcome'],
    log: LogEntry | null,
    inv: Partial<UserResult> = {},
  ): UserResult => ({
    outcome,
    invited: false,
    invitationPending: false,
    log,
    ...inv,
  });

  try {
    let visitorActual: VisitorActual | undefined;
    if (ctx.full && input.state?.visitorUserId) {
      const actual = await deps.visitor.getUser(input.state.visitorUserId);
      visitorActual = actual
        ? { user: snapshotOf(actual), active: actual.active, access: accessOf(actual) }
        : { user: null, access: new Map() };
    }
    const plan =
      early ??
      planUser({
        engage: input.engage,
        state: input.state,
        ctx: planContext(ctx, input.conflict, visitorActual),
      });
    // A user that keeps failing waits out its back-off, unless Engage changed it since — but a leaver
    // is never held back: deprovisioning goes ahead.
    const f = input.failure;
    const deprovisioning = plan.kind === 'delete' || plan.kind === 'deactivate';
    if (
      f &&
      !deprovisioning &&
      f.nextAttemptAt > ctx.now &&
      (input.engage === null || input.engage.updatedAt <= f.lastFailedAt)
    ) {
      return result(
        'quarantined',
        entry('skip', 'quarantined', {
          detail: { failures: f.failureCount, nextAttemptAt: f.nextAttemptAt.toISOString() },
        }),
      );
    }
    if (ctx.dryRun) return planned(plan, entry);
    return await apply(deps, ctx, input, plan, entry, result);
  } catch (err) {
    if (!isPerUserFailure(err, ctx)) throw err;
    // Visitor refused this one user (or kept failing on it): record it, never block the others.
    const e = err as VisitorScimError;
    const detail = {
      status: e.status ?? null,
      scimType: e.scimType ?? null,
      detail: e.detail ?? null,
      route: e.route,
    };
    await deps.store.recordFailure(id, ctx.runId, [failureCode(e)], detail);
    return result('failed', entry('write', 'failed', { detail: { reason: failureReason(e), ...detail } }), {
      writeFailed: true,
    });
  }
}

/**
 * Errors that concern this user only: Visitor refused the request (400, 404, 409, 412), or a
 * transient error that outlived the client's retries and several activity attempts. Auth errors
 * and other transient ones are the run's (they stop it, or retry the page).
 */
function isPerUserFailure(err: unknown, ctx: UserRunContext): boolean {
  if (!(err instanceof VisitorScimError) || err instanceof VisitorAuthError) return false;
  if (!err.retryable) return true;
  return ctx.attempt >= TRANSIENT_ATTEMPTS_PER_USER;
}
/** Page attempts after which a user Visitor keeps answering 5xx for is recorded as failed. */
const TRANSIENT_ATTEMPTS_PER_USER = 5;

function failureCode(e: VisitorScimError): string {
  if (e instanceof VisitorConflictError) return 'visitor_conflict';
  if (e instanceof VisitorNotFoundError) return 'visitor_not_found';
  if (e.retryable) return 'visitor_unavailable';
  return 'visitor_rejected';
}
function failureReason(e: VisitorScimError): string {
  if (e instanceof VisitorConflictError)
    return 'Visitor reports a conflict (another user holds this userName or externalId)';
  if (e.retryable) return 'Visitor kept failing for this user across retries';
  return 'Visitor rejected the request';
}

/**
 * Only a linked, active state vouches for its input: a daily run may pass such a user over as
 * "unchanged". Leavers are planned every run, the same whichever run deprovisioned them.
 */
function vouchedPlanInput(ctx: UserRunContext, input: UserInput, state: SyncUserState): string | undefined {
  if (ctx.full || ctx.replanned || state.visitorUserId === null || state.deprovisioned) return undefined;
  return input.planInput;
}

function planContext(
  ctx: UserRunContext,
  conflict: IdentityConflictOutcome | undefined,
  actual: VisitorActual | undefined,
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

const PLAN_OUTCOME: Record<UserPlan['kind'], Outcome> = {
  create: 'created',
  update: 'updated',
  reactivate: 'reactivated',
  delete: 'deleted',
  deactivate: 'deactivated',
  skip: 'skipped',
  fail: 'failed',
};

/** A dry run: the plan, logged as "planned", nothing written anywhere but the log. */
function planned(
  plan: UserPlan,
  entry: (a: string, o: string, e?: Partial<LogEntry>) => LogEntry,
): UserResult {
  const outcome: Outcome =
    plan.kind === 'skip' && plan.reason === 'unchanged' ? 'unchanged' : PLAN_OUTCOME[plan.kind];
  if (outcome === 'unchanged') return { outcome, invited: false, invitationPending: false, log: null };
  const attributes =
    plan.kind === 'update' || plan.kind === 'reactivate'
      ? changedNames(plan)
      : plan.kind === 'create'
        ? ['*']
        : null;
  const detail =
    plan.kind === 'fail'
      ? { failures: plan.failures }
      : plan.kind === 'skip'
        ? { reason: plan.reason }
        : plan.kind === 'delete' || plan.kind === 'deactivate'
          ? { reason: plan.reason }
          : null;
  return {
    outcome,
    invited: false,
    invitationPending: false,
    log: entry(plan.kind, 'planned', { attributes, detail }),
  };
}

function changedNames(plan: Extract<UserPlan, { kind: 'update' | 'reactivate' }>): string[] {
  const names: string[] = plan.attributes.map((a) => a.attribute);
  if (plan.access.add.length || plan.access.setRole.length || plan.access.remove.length)
    names.push('locationAccess');
  return names;
}

async function apply(
  deps: SyncDeps,
  ctx: UserRunContext,
  input: UserInput,
  plan: UserPlan,
  entry: (a: string, o: string, e?: Partial<LogEntry>) => LogEntry,
  result: (o: UserResult['outcome'], log: LogEntry | null, inv?: Partial<UserResult>) => UserResult,
): Promise<UserResult> {
  const { store, visitor } = deps;
  const id = input.engageUserId;
  const defaultLocationId = ctx.locations.defaultLocationId;
  // A state vouches for its input only when it is exactly the plan's next state from Engage alone:
  // not after reading Visitor (a full run, a re-plan), whose answers are not part of the input.
  const vouched = (state: SyncUserState) => ({ planInput: vouchedPlanInput(ctx, input, state) });
  const succeeded = async () => {
    if (input.failure) await store.clearFailure(id);
  };

  switch (plan.kind) {
    case 'fail': {
      await store.recordFailure(
        id,
        ctx.runId,
        plan.failures.map((f) => f.code),
        { failures: plan.failures },
      );
      return result('failed', entry('validate', 'failed', { detail: { failures: plan.failures } }));
    }
    case 'skip': {
      if (plan.nextState) await store.saveUser(plan.nextState, ctx.runId, vouched(plan.nextState));
      await succeeded();
      if (plan.reason === 'unchanged') return result('unchanged', null);
      return result('skipped', entry('skip', 'skipped', { detail: { reason: plan.reason } }));
    }
    case 'delete':
    case 'deactivate': {
      if (ctx.deferDeletes) {
        await store.addPendingDeletion({
          runId: ctx.runId,
          engageUserId: id,
          visitorUserId: plan.visitorUserId,
          mode: plan.kind,
          reason: plan.reason,
        });
        return result('pendingDeletion', null);
      }
      await deprovision(deps, plan.kind, plan.visitorUserId);
      await store.saveUser(plan.nextState, ctx.runId, vouched(plan.nextState));
      await succeeded();
      const outcome = plan.kind === 'delete' ? 'deleted' : 'deactivated';
      return result(
        outcome,
        entry(plan.kind, outcome, { visitor_id: plan.visitorUserId, detail: { reason: plan.reason } }),
      );
    }
    case 'update':
    case 'reactivate': {
      const ops = updateOperations(plan.attributes, plan.access, defaultLocationId, {
        reactivate: plan.kind === 'reactivate',
      });
      try {
        await visitor.patchUser(plan.visitorUserId, ops);
      } catch (err) {
        if (ctx.replanned) throw err;
        if (err instanceof VisitorNotFoundError) {
          // Gone from Visitor: deleted by hand — or just deprovisioned by a per-user run. Re-read
          // both sides before creating anyone again.
          const [fresh, engageNow] = await Promise.all([store.usersByIds([id]), deps.engage.userById(id)]);
          const state = fresh.get(id) ?? null;
          if (engageNow.status !== 'found' || state?.visitorUserId !== plan.visitorUserId) {
            return processUser(
              deps,
              { ...ctx, replanned: true },
              {
                ...input,
                engage: engageNow.status === 'found' ? engageNow.user : null,
                state,
              },
            );
          }
          return processUser(
            deps,
            { ...ctx, replanned: true },
            { ...input, state: { ...state, visitorUserId: null } },
          );
        }
        if (err instanceof VisitorRejectedError && err.scimType === 'noTarget') {
          // Visitor changed under us (e.g. a location removed by hand): re-plan once against what it has.
          return processUser(deps, { ...ctx, full: true, replanned: true }, input);
        }
        throw err;
      }
      await store.saveUser(plan.nextState, ctx.runId, vouched(plan.nextState));
      await succeeded();
      const outcome = plan.kind === 'reactivate' ? 'reactivated' : 'updated';
      return result(
        outcome,
        entry(plan.kind, outcome, { visitor_id: plan.visitorUserId, attributes: changedNames(plan) }),
      );
    }
    case 'create':
      return create(deps, ctx, input, plan, entry, result, succeeded);
  }
}

async function create(
  deps: SyncDeps,
  ctx: UserRunContext,
  input: UserInput,
  plan: Extract<UserPlan, { kind: 'create' }>,
  entry: (a: string, o: string, e?: Partial<LogEntry>) => LogEntry,
  result: (o: UserResult['outcome'], log: LogEntry | null, inv?: Partial<UserResult>) => UserResult,
  succeeded: () => Promise<void>,
): Promise<UserResult> {
  const { store, visitor } = deps;
  const defaultLocationId = ctx.locations.defaultLocationId;
  const policy = ctx.invitations.mode;
  const { user, adopted } = await visitor.createUser(createBody(plan.user, plan.access, defaultLocationId), {
    sendInvitation: policy === 'send',
  });

  let nextState: SyncUserState = { ...plan.nextState, visitorUserId: user.id };
  let attributes: string[] = ['*'];
  if (adopted) {
    // Only a Visitor user that is nobody else's may be adopted: not one linked to another Engage
    // user (a leaver whose deletion is still pending, a colleague who had this e-mail before).
    const linkedTo = await store.engageIdOfVisitorUser(user.id);
    const otherExternal =
      user.externalId !== undefined && user.externalId !== '' && user.externalId !== plan.user.externalId;
    if ((linkedTo !== null && linkedTo !== input.engageUserId) || otherExternal) {
      const detail = {
        reason: 'the Visitor user with this userName belongs to another Engage user',
        otherEngageUserId: linkedTo ?? user.externalId ?? null,
      };
      await store.recordFailure(input.engageUserId, ctx.runId, ['identity_taken'], detail);
      return result('failed', entry('adopt', 'failed', { visitor_id: user.id, detail }), {
        writeFailed: true,
      });
    }
    // An existing Visitor user (made by hand, or by our own crashed attempt): bring it into line,
    // leaving access the sync does not own (hand-granted admin rights) as it is.
    const drift = driftedAttributes(plan.user, snapshotOf(user));
    // Visitor compares userNames case-insensitively, but the sync writes Engage's spelling.
    if (user.userName !== plan.user.userName && !drift.some((d) => d.attribute === 'userName')) {
      drift.unshift({ attribute: 'userName', value: plan.user.userName });
    }
    const access = planAccessChanges({ owned: new Map(), desired: plan.access, actual: accessOf(user) });
    const ops = updateOperations(drift, access, defaultLocationId, { reactivate: !user.active });
    // Link it by Engage id from now on (externalId = Engage id, as for users the sync creates).
    if (user.externalId !== plan.user.externalId)
      ops.push(...setUserAttributes({ externalId: plan.user.externalId }));
    await visitor.patchUser(user.id, ops);
    nextState = {
      ...nextState,
      ownedAccess: Object.fromEntries(access.nextOwned),
      fingerprint: fingerprint(plan.user, access.nextOwned, defaultLocationId),
    };
    attributes = drift.map((d) => d.attribute);
  }

  // Invitations: exactly once per user the sync creates. A user adopted because our own earlier
  // attempt created it (same externalId) is ours; anyone else adopted was onboarded already.
  const ours = !adopted || user.externalId === String(input.engageUserId);
  const alreadySent = user[URN_VISITOR_USER]?.invitation?.status === 'sent';
  let invitation: { status: 'sent' | 'pending' | 'disabled' | 'skipped'; sentAt?: Date; dueAt?: Date };
  let invited = false;
  if (!ours) invitation = { status: 'skipped' };
  else if (policy === 'send') {
    // A create with sendInvitation sent it already (alreadySent); an adopted one of ours may still hold it.
    if (!alreadySent) await visitor.sendInvitation(user.id);
    invitation = { status: 'sent', sentAt: new Date() };
    invited = !adopted || !alreadySent;
  } else if (policy === 'delay') {
    invitation = alreadySent
      ? { status: 'sent' }
      : {
          status: 'pending',
          dueAt: new Date(
            ctx.now.getTime() + (ctx.invitations.mode === 'delay' ? ctx.invitations.delayMs : 0),
          ),
        };
  } else invitation = { status: 'disabled' };

  // An adopted user's state also reflects what Visitor had: it does not follow from the input alone.
  const planInput = adopted ? undefined : vouchedPlanInput(ctx, input, nextState);
  await store.saveUser(nextState, ctx.runId, {
    planInput,
    createdByRun: ctx.runId,
    invitation: {
      status: invitation.status,
      runId: ctx.runId,
      dueAt: invitation.dueAt ?? null,
      sentAt: invitation.sentAt ?? null,
    },
  });
  await succeeded();
  const outcome = adopted ? 'adopted' : 'created';
  return result(
    outcome,
    entry(adopted ? 'adopt' : 'create', outcome, {
      visitor_id: user.id,
      user_name: plan.user.userName,
      attributes,
      detail: { invitation: invitation.status },
    }),
    {
      invited,
      invitationPending: invitation.status === 'pending',
    },
  );
}

async function deprovision(
  deps: SyncDeps,
  kind: 'delete' | 'deactivate',
  visitorUserId: string,
): Promise<void> {
  if (kind === 'delete') {
    await deps.visitor.deleteUser(visitorUserId); // 404 → already gone: fine
    return;
  }
  try {
    await deps.visitor.patchUser(visitorUserId, [{ op: 'replace', path: 'active', value: false }]);
  } catch (err) {
    if (!(err instanceof VisitorNotFoundError)) throw err;
  }
}

export { deprovision };
