// Carrying out one user's plan in Visitor and the sync state. When Visitor turns out to differ from
// what was planned against (the user gone, a location removed by hand), re-plans once.
import { valueChanges } from '../domain/attribute-diff';
import type { UserPlan } from '../domain/plan-user';
import type { SyncUserState } from '../domain/types';
import { type VisitorScimError, visitorErrorKind } from '../scim/errors';
import { createUser } from './create-user';
import { deprovision } from './deprovision';
import type { Engine } from './engine';
import { changedNames, type EntryFn, reconcileUser, vouchedPlanInput } from './reconcile-user';
import { type UserInput, type UserResult, type UserRunContext, userResult } from './user-result';
import { updateOperations } from './visitor-mapping';

export async function applyPlan(
  engine: Engine,
  ctx: UserRunContext,
  input: UserInput,
  plan: UserPlan,
  entry: EntryFn,
): Promise<UserResult> {
  const { store } = engine;
  const id = input.engageUserId;
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
      return userResult('failed', entry('validate', 'failed', { detail: { failures: plan.failures } }));
    }
    case 'skip': {
      const log =
        plan.reason === 'unchanged'
          ? undefined
          : entry('skip', 'skipped', { detail: { reason: plan.reason } });
      if (plan.nextState)
        await store.saveUser(plan.nextState, ctx.runId, { ...vouched(plan.nextState), log });
      await succeeded();
      if (!log) return userResult('unchanged', null);
      return plan.nextState ? userResult('skipped', null, { logged: log }) : userResult('skipped', log);
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
        return userResult('pendingDeletion', null);
      }
      await deprovision(engine.visitor, plan.kind, plan.visitorUserId);
      const outcome = plan.kind === 'delete' ? 'deleted' : 'deactivated';
      const log = entry(plan.kind, outcome, {
        visitor_id: plan.visitorUserId,
        detail: { reason: plan.reason },
      });
      await store.saveUser(plan.nextState, ctx.runId, { ...vouched(plan.nextState), log });
      await succeeded();
      return userResult(outcome, null, { logged: log });
    }
    case 'update':
    case 'reactivate': {
      const ops = updateOperations(plan.attributes, plan.access, ctx.locations.defaultLocationId, {
        reactivate: plan.kind === 'reactivate',
      });
      try {
        await engine.visitor.patchUser(plan.visitorUserId, ops);
      } catch (err) {
        if (ctx.replanned) throw err;
        const replan = await replanAfter(engine, ctx, input, plan.visitorUserId, err);
        if (replan) return replan;
        throw err;
      }
      const outcome = plan.kind === 'reactivate' ? 'reactivated' : 'updated';
      const log = entry(plan.kind, outcome, {
        visitor_id: plan.visitorUserId,
        attributes: changedNames(plan),
        detail: changeDetail(plan),
      });
      await store.saveUser(plan.nextState, ctx.runId, { ...vouched(plan.nextState), log });
      await succeeded();
      return userResult(outcome, null, { logged: log });
    }
    case 'create':
      return createUser(engine, ctx, input, plan, entry, succeeded);
  }
}

/** Old → new of the attributes an update changed, and how the user's location access moved. */
function changeDetail(plan: Extract<UserPlan, { kind: 'update' | 'reactivate' }>): Record<string, unknown> {
  const { add, setRole, remove } = plan.access;
  return {
    changes: valueChanges(plan.before, plan.attributes),
    ...(add.length || setRole.length || remove.length
      ? { access: { added: add.length, roleChanged: setRole.length, removed: remove.length } }
      : {}),
  };
}

/** The one re-plan after an update Visitor could not apply; undefined when the error is not such a case. */
async function replanAfter(
  engine: Engine,
  ctx: UserRunContext,
  input: UserInput,
  visitorUserId: string,
  err: unknown,
): Promise<UserResult | undefined> {
  const id = input.engageUserId;
  const again = { ...ctx, replanned: true };
  const kind = visitorErrorKind(err);
  if (kind === 'notFound') {
    // Gone from Visitor: deleted by hand — or just deprovisioned by a per-user run. Re-read both
    // sides before creating anyone again.
    const [fresh, engageNow] = await Promise.all([engine.store.usersByIds([id]), engine.engage.userById(id)]);
    const state = fresh.get(id) ?? null;
    if (engageNow.status !== 'found' || state?.visitorUserId !== visitorUserId)
      return reconcileUser(engine, again, {
        ...input,
        engage: engageNow.status === 'found' ? engageNow.user : null,
        state,
      });
    return reconcileUser(engine, again, {
      ...input,
      engage: engageNow.user,
      state: { ...state, visitorUserId: null },
    });
  }
  // Visitor changed under us (e.g. a location removed by hand): re-plan once against what it has.
  if (kind === 'rejected' && (err as VisitorScimError).scimType === 'noTarget')
    return reconcileUser(engine, { ...again, full: true }, input);
  return undefined;
}
