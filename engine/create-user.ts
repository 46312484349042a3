// A user new to Visitor: create it — or adopt the Visitor user that already has its externalId or
// userName, when that user is nobody else's — then decide its invitation and save the state that
// links them.
import { planAccessChanges } from '../domain/access-diff';
import { driftedAttributes } from '../domain/attribute-diff';
import { fingerprint } from '../domain/fingerprint';
import type { UserPlan } from '../domain/plan-user';
import type { SyncUserState } from '../domain/types';
import { setUserAttributes } from '../scim/patch';
import { type ScimUser, type ScimUserWriteAnswer, URN_VISITOR_USER } from '../scim/wire';
import type { Engine } from './engine';
import type { SaveUserExtra } from './ports';
import { type EntryFn, vouchedPlanInput } from './reconcile-user';
import { type UserInput, type UserResult, type UserRunContext, userResult } from './user-result';
import { accessOf, createBody, snapshotOf, updateOperations } from './visitor-mapping';

type CreatePlan = Extract<UserPlan, { kind: 'create' }>;
type Invitation = NonNullable<SaveUserExtra['invitation']> & {
  status: 'sent' | 'pending' | 'disabled' | 'skipped';
};

export async function createUser(
  engine: Engine,
  ctx: UserRunContext,
  input: UserInput,
  plan: CreatePlan,
  entry: EntryFn,
  succeeded: () => Promise<void>,
): Promise<UserResult> {
  const { store, visitor } = engine;
  const defaultLocationId = ctx.locations.defaultLocationId;
  const { user, adopted } = await visitor.createUser(createBody(plan.user, plan.access, defaultLocationId), {
    sendInvitation: ctx.invitations.mode === 'send',
    // A retried attempt may have created it already: looked up by externalId first, so a target that
    // does not refuse a second externalId gets no duplicate. A first attempt stays one request.
    retried: ctx.attempt > 1,
  });

  let nextState: SyncUserState = { ...plan.nextState, visitorUserId: user.id };
  let attributes: string[] = ['*'];
  if (adopted) {
    const other = await belongsToSomeoneElse(engine, input.engageUserId, plan, user);
    if (other) {
      const detail = {
        reason: 'the Visitor user with this userName belongs to another Engage user',
        otherEngageUserId: other.engageUserId,
      };
      await store.recordFailure(input.engageUserId, ctx.runId, ['identity_taken'], detail);
      return userResult('failed', entry('adopt', 'failed', { visitor_id: user.id, detail }), {
        writeFailed: true,
      });
    }
    const adoption = await bringInLine(engine, plan, user, defaultLocationId);
    nextState = { ...nextState, ...adoption.state };
    attributes = adoption.attributes;
  }

  const invitation = await invitationFor(engine, ctx, input, user, adopted);
  // An adopted user's state also reflects what Visitor had: it does not follow from the input alone.
  const planInput = adopted ? undefined : vouchedPlanInput(ctx, input, nextState);
  const outcome = adopted ? 'adopted' : 'created';
  // Committed with the state: a crash after the save never leaves a created user without its entry.
  const log = entry(adopted ? 'adopt' : 'create', outcome, {
    visitor_id: user.id,
    user_name: plan.user.userName,
    attributes,
    detail: { invitation: invitation.status, ...(invitation.invited ? { invited: true } : {}) },
  });
  await store.saveUser(nextState, ctx.runId, {
    planInput,
    createdByRun: ctx.runId,
    invitation: {
      status: invitation.status,
      runId: ctx.runId,
      dueAt: invitation.dueAt ?? null,
      sentAt: invitation.sentAt ?? null,
    },
    log,
  });
  await succeeded();
  return userResult(outcome, null, {
    logged: log,
    invited: invitation.invited,
    invitationPending: invitation.status === 'pending',
  });
}

/**
 * An existing Visitor user (made by hand, or by our own crashed attempt): bring it into line, leaving
 * access the sync does not own (hand-granted admin rights) as it is, and link it by Engage id.
 */
async function bringInLine(engine: Engine, plan: CreatePlan, user: ScimUser, defaultLocationId: string) {
  const drift = driftedAttributes(plan.user, snapshotOf(user));
  // Visitor compares userNames case-insensitively, but the sync writes Engage's spelling.
  if (user.userName !== plan.user.userName && !drift.some((d) => d.attribute === 'userName'))
    drift.unshift({ attribute: 'userName', value: plan.user.userName });
  const access = planAccessChanges({ owned: new Map(), desired: plan.access, actual: accessOf(user) });
  const ops = updateOperations(drift, access, defaultLocationId, { reactivate: !user.active });
  // externalId = Engage id, as for users the sync creates.
  if (user.externalId !== plan.user.externalId)
    ops.push(...setUserAttributes({ externalId: plan.user.externalId }));
  await engine.visitor.patchUser(user.id, ops);
  return {
    state: {
      ownedAccess: Object.fromEntries(access.nextOwned),
      fingerprint: fingerprint(plan.user, access.nextOwned, defaultLocationId, engine.planning.accessDigest),
    },
    attributes: drift.map((d) => d.attribute),
  };
}

/**
 * Only a Visitor user that is nobody else's may be adopted: not one linked to another Engage user (a
 * leaver whose deletion is still pending, a colleague who had this e-mail before). Returns who holds
 * it (their Engage id or externalId), or null when it is free to adopt.
 */
export async function belongsToSomeoneElse(
  engine: Engine,
  engageUserId: number,
  plan: CreatePlan,
  user: Pick<ScimUser, 'id' | 'externalId'>,
): Promise<{ engageUserId: number | string | null } | null> {
  const linkedTo = await engine.store.engageIdOfVisitorUser(user.id);
  const otherExternal =
    user.externalId !== undefined && user.externalId !== '' && user.externalId !== plan.user.externalId;
  if ((linkedTo !== null && linkedTo !== engageUserId) || otherExternal)
    return { engageUserId: linkedTo ?? user.externalId ?? null };
  return null;
}

/**
 * Invitations: exactly once per user the sync creates. A user adopted because our own earlier attempt
 * created it (same externalId) is ours; anyone else adopted was onboarded already.
 */
async function invitationFor(
  engine: Engine,
  ctx: UserRunContext,
  input: UserInput,
  user: ScimUser | ScimUserWriteAnswer,
  adopted: boolean,
): Promise<Invitation & { invited: boolean }> {
  const ours = !adopted || user.externalId === String(input.engageUserId);
  const alreadySent = user[URN_VISITOR_USER]?.invitation?.status === 'sent';
  const policy = ctx.invitations;
  if (!ours) return { status: 'skipped', invited: false };
  if (policy.mode === 'send') {
    // A create with sendInvitation sent it already (alreadySent); an adopted one of ours may still hold it.
    if (!alreadySent) await engine.visitor.sendInvitation(user.id);
    return { status: 'sent', sentAt: new Date(engine.clock.now()), invited: !adopted || !alreadySent };
  }
  if (policy.mode === 'delay')
    return alreadySent
      ? { status: 'sent', invited: false }
      : { status: 'pending', dueAt: new Date(ctx.now.getTime() + policy.delayMs), invited: false };
  return { status: 'disabled', invited: false };
}
