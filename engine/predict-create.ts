// What a dry run says of a user it would create, so the plan an operator reviews is the one a real
// run applies: a new Visitor user or the adoption of one that exists (looked up as the create would
// find it on its 409), who would get an invitation, and a digest of exactly what would be written.
import type { UserPlan } from '../domain/plan-user';
import type { InvitationPolicy } from '../domain/run-types';
import { belongsToSomeoneElse } from './create-user';
import type { Engine } from './engine';
import type { VisitorUserIndex } from './visitor-user-index';

export interface PredictedCreate {
  action: 'create' | 'adopt' | 'fail';
  /** The Visitor user adopted, or the one another Engage user holds. */
  visitorId: string | null;
  /** 'now', 'delayed:<ms>' or 'none': the "Join your team" e-mail this user would get, and when. */
  invitation: 'now' | `delayed:${number}` | 'none';
  reason?: string;
}

function invitationOf(policy: InvitationPolicy, ours: boolean): PredictedCreate['invitation'] {
  if (!ours || policy.mode === 'disabled') return 'none';
  return policy.mode === 'send' ? 'now' : `delayed:${policy.delayMs}`;
}

/**
 * Reads only: what the create would meet on its 409, from the run's index of Visitor users when it
 * has one, else by the create's own look-ups.
 */
export async function predictCreate(
  engine: Engine,
  engageUserId: number,
  plan: Extract<UserPlan, { kind: 'create' }>,
  policy: InvitationPolicy,
  index: VisitorUserIndex | null = null,
): Promise<PredictedCreate> {
  const { visitor } = engine;
  const found = index
    ? (index.byExternalId.get(plan.user.externalId) ??
      index.byUserName.get(plan.user.userName.toLowerCase()) ??
      null)
    : ((await visitor.findUserByExternalId(plan.user.externalId)) ??
      (await visitor.findUserByUserName(plan.user.userName)));
  if (!found) return { action: 'create', visitorId: null, invitation: invitationOf(policy, true) };
  if (await belongsToSomeoneElse(engine, engageUserId, plan, found))
    return {
      action: 'fail',
      visitorId: found.id,
      invitation: 'none',
      reason: 'the Visitor user with this userName belongs to another Engage user',
    };
  // Adopted: invited only when it is ours (an earlier attempt created it); anyone else was onboarded.
  return {
    action: 'adopt',
    visitorId: found.id,
    invitation: invitationOf(policy, found.externalId === String(engageUserId)),
  };
}

/** What a plan writes, as one short value a reviewed plan and a fresh one can compare. */
export function planDigest(plan: UserPlan): string | null {
  switch (plan.kind) {
    case 'create':
    case 'update':
    case 'reactivate':
      return plan.fingerprint;
    case 'delete':
    case 'deactivate':
      return `${plan.reason}:${plan.nextState.fingerprint}`;
    default:
      return null;
  }
}
