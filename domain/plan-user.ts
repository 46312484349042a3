// The single decision for one user, shared by the initial, daily and per-user runs: what to do in Visitor.
import { desiredAccess, eligibleLocations, userTypeWarning } from './access';
import { type AccessPlan, planAccessChanges } from './access-diff';
import {
  type AttributeChange,
  type AttributeValues,
  changedAttributes,
  driftedAttributes,
  snapshotValues,
  type VisitorUserSnapshot,
  valuesOf,
} from './attribute-diff';
import { desiredVisitorUser } from './desired-user';
import { fingerprint, sameData } from './fingerprint';
import type { IdentityConflictOutcome } from './identity-conflicts';
import { type PlanningSteps, plainSteps } from './planning-steps';
import type {
  AccessMap,
  DesiredVisitorUser,
  EngageUser,
  Failure,
  Role,
  SyncOptions,
  SyncUserState,
  Warning,
} from './types';

/** Visitor's current state of the linked user; only known in a full reconcile. */
export interface VisitorActual {
  /** The user as read back; null = no longer exists in Visitor. */
  user: VisitorUserSnapshot | null;
  /** Visitor's active flag; absent = unknown. */
  active?: boolean;
  access: ReadonlyMap<string, Role>;
}

export interface PlanContext {
  defaultLocationId: string;
  allVisitorLocationIds: readonly string[];
  /** Engage location id → Visitor location id. */
  locationMap: ReadonlyMap<number, string>;
  options: SyncOptions;
  /** This user's outcome from resolveIdentityGroup/findIdentityConflicts, when it shares an identity. */
  identityConflict?: IdentityConflictOutcome;
  visitorActual?: VisitorActual;
}

export interface PlanUserInput {
  /** null = the Engage row is gone. */
  engage: EngageUser | null;
  state: SyncUserState | null;
  ctx: PlanContext;
}

export type SkipReason =
  | 'unchanged'
  | 'inactive_not_provisioned'
  | 'deleted_not_provisioned'
  | 'already_deprovisioned'
  | 'nothing_to_do';

export type DeprovisionReason = 'deleted_in_engage' | 'removed_from_engage' | 'inactive_in_engage';

/** Fields shared by update and reactivate: the smallest attribute and access changes. */
export interface ChangePlan {
  engageUserId: number;
  visitorUserId: string;
  attributes: AttributeChange[];
  /** The values the attributes were compared against (Visitor's copy, or the sync's last write). */
  before: AttributeValues;
  access: AccessPlan;
  fingerprint: string;
  nextState: SyncUserState;
  warnings?: Warning[];
}

/** Fields shared by delete and deactivate. */
export interface DeprovisionPlan {
  engageUserId: number;
  visitorUserId: string;
  reason: DeprovisionReason;
  nextState: SyncUserState;
}

/** Every plan that changes what the sync knows carries nextState: persist it once the calls succeed. */
export type UserPlan =
  | {
      kind: 'create';
      engageUserId: number;
      user: DesiredVisitorUser;
      access: AccessMap;
      fingerprint: string;
      /** visitorUserId is null here: fill in the id Visitor returns. */
      nextState: SyncUserState;
      warnings?: Warning[];
    }
  | ({ kind: 'update' } & ChangePlan)
  | ({ kind: 'reactivate' } & ChangePlan)
  | ({ kind: 'delete' } & DeprovisionPlan)
  | ({ kind: 'deactivate' } & DeprovisionPlan)
  | {
      kind: 'skip';
      engageUserId: number | null;
      reason: SkipReason;
      /** Bookkeeping to persist although no call is needed; null = nothing changed. */
      nextState: SyncUserState | null;
      warnings?: Warning[];
    }
  | { kind: 'fail'; engageUserId: number; failures: Failure[] };

/**
 * Total and deterministic. Decisions:
 * - Deleted (deletedAt or row gone) and inactive Engage users are both deprovisioned with ctx.options.deprovision.
 * - Invalid data for a provisioned user is a fail: Visitor is left as it is, never deprovisioned for it.
 * - A linked user missing from Visitor in a full reconcile is created again.
 * - A user deactivated by hand in Visitor (state not deprovisioned) is updated but not reactivated.
 * - What was changed to provision a user (a value shortened, characters removed, an unknown type given
 *   regular access) is in the plan's warnings, present only when there are some, for the log.
 * - An e-mail change is an update of userName + emails (the link is the Visitor id, not the userName).
 * steps: how the costly parts are computed — plainSteps, or a run's shared cache (engine/planning-cache.ts);
 * the plan is the same either way, but with a cache its maps and records may be shared between users.
 */
export function planUser({ engage, state, ctx }: PlanUserInput, steps: PlanningSteps = plainSteps): UserPlan {
  if (engage !== null && state !== null && engage.id !== state.engageUserId) {
    return {
      kind: 'fail',
      engageUserId: engage.id,
      failures: [{ code: 'state_mismatch', message: 'The sync state belongs to a different Engage user.' }],
    };
  }
  if (engage === null || engage.deletedAt !== null || !engage.active)
    return planDeprovision(engage, state, ctx);
  return planActive(engage, state, ctx, steps);
}

function planDeprovision(engage: EngageUser | null, state: SyncUserState | null, ctx: PlanContext): UserPlan {
  const reason: DeprovisionReason =
    engage === null
      ? 'removed_from_engage'
      : engage.deletedAt !== null
        ? 'deleted_in_engage'
        : 'inactive_in_engage';
  const engageUserId = engage?.id ?? state?.engageUserId ?? null;
  if (state === null || state.visitorUserId === null) {
    const skip: SkipReason =
      engageUserId === null
        ? 'nothing_to_do'
        : reason === 'inactive_in_engage'
          ? 'inactive_not_provisioned'
          : 'deleted_not_provisioned';
    return { kind: 'skip', engageUserId, reason: skip, nextState: null };
  }

  const id = state.engageUserId;
  const deleted: SyncUserState = { ...state, visitorUserId: null, ownedAccess: {}, deprovisioned: true };
  const deactivated: SyncUserState = { ...state, deprovisioned: true };
  const actual = ctx.visitorActual;
  if (actual?.user === null) {
    // Someone already removed the user in Visitor: only the bookkeeping is left.
    return { kind: 'skip', engageUserId: id, reason: 'already_deprovisioned', nextState: deleted };
  }
  if (ctx.options.deprovision === 'delete') {
    return {
      kind: 'delete',
      engageUserId: id,
      visitorUserId: state.visitorUserId,
      reason,
      nextState: deleted,
    };
  }
  if (state.deprovisioned || actual?.active === false) {
    return {
      kind: 'skip',
      engageUserId: id,
      reason: 'already_deprovisioned',
      nextState: state.deprovisioned ? null : deactivated,
    };
  }
  return {
    kind: 'deactivate',
    engageUserId: id,
    visitorUserId: state.visitorUserId,
    reason,
    nextState: deactivated,
  };
}

function planActive(
  engage: EngageUser,
  state: SyncUserState | null,
  ctx: PlanContext,
  steps: PlanningSteps,
): UserPlan {
  const desired = desiredVisitorUser(engage, { longValues: ctx.options.longValues ?? 'shorten' });
  const failures = desired.ok ? [] : [...desired.failures];
  if (ctx.identityConflict?.outcome === 'fails') {
    failures.push({
      code: 'duplicate_identity',
      attribute: 'userName',
      message:
        'Another Engage user has the same Visitor userName (case-insensitive): Engage user(s) ' +
        `${ctx.identityConflict.conflictingWith.join(', ')}.`,
    });
  }
  if (!desired.ok || failures.length > 0) return { kind: 'fail', engageUserId: engage.id, failures };

  const user = desired.user;
  const typeWarning = userTypeWarning(engage.userType);
  const warnings = typeWarning ? [typeWarning, ...desired.warnings] : desired.warnings;
  const withWarnings = warnings.length > 0 ? { warnings } : {};
  const actual = ctx.visitorActual;
  const visitorUserId = state?.visitorUserId ?? null;
  if (state === null || visitorUserId === null || actual?.user === null)
    return { ...planCreate(engage, user, ctx, steps), ...withWarnings };

  const owned = steps.ownedMap(state.ownedAccess);
  const eligible = eligibleLocations(
    {
      owned: steps.ownedSet(owned),
      allVisitorLocationIds: ctx.allVisitorLocationIds,
      defaultLocationId: ctx.defaultLocationId,
      options: ctx.options,
    },
    steps,
  );
  const wanted = desiredAccess(accessInput(engage, eligible, ctx), steps);
  const access =
    actual === undefined
      ? steps.plannedAccess(owned, wanted)
      : planAccessChanges({ owned, desired: wanted, actual: actual.access });
  const attributes =
    actual?.user != null ? driftedAttributes(user, actual.user) : changedAttributes(state.attributes, user);
  const print = fingerprint(user, access.nextOwned, ctx.defaultLocationId, steps.accessDigest);
  const nextState: SyncUserState = {
    ...state,
    userName: user.userName,
    attributes: user,
    ownedAccess: steps.accessRecord(access.nextOwned),
    fingerprint: print,
    deprovisioned: false,
  };

  const base = {
    engageUserId: engage.id,
    visitorUserId,
    attributes,
    before: actual?.user != null ? snapshotValues(actual.user) : valuesOf(state.attributes),
    access,
    fingerprint: print,
    nextState,
    ...withWarnings,
  };
  if (state.deprovisioned) return { kind: 'reactivate', ...base };
  const noCalls =
    attributes.length === 0 &&
    access.add.length === 0 &&
    access.setRole.length === 0 &&
    access.remove.length === 0;
  // Without Visitor's state, an equal fingerprint means nothing the sync writes has changed.
  if (noCalls || (actual === undefined && print === state.fingerprint)) {
    // The fingerprint covers attributes, access and default location; compare the rest directly
    // (serialising the stored attributes for this compare was a third of the daily run's planning).
    const changed =
      print !== state.fingerprint ||
      state.deprovisioned ||
      state.userName !== user.userName ||
      !sameData(state.attributes, user);
    return {
      kind: 'skip',
      engageUserId: engage.id,
      reason: 'unchanged',
      nextState: changed ? nextState : null,
      ...withWarnings,
    };
  }
  return { kind: 'update', ...base };
}

function planCreate(
  engage: EngageUser,
  user: DesiredVisitorUser,
  ctx: PlanContext,
  steps: PlanningSteps,
): Extract<UserPlan, { kind: 'create' }> {
  const eligible = eligibleLocations(
    {
      owned: null,
      allVisitorLocationIds: ctx.allVisitorLocationIds,
      defaultLocationId: ctx.defaultLocationId,
      options: ctx.options,
    },
    steps,
  );
  const access = desiredAccess(accessInput(engage, eligible, ctx), steps);
  const print = fingerprint(user, access, ctx.defaultLocationId, steps.accessDigest);
  return {
    kind: 'create',
    engageUserId: engage.id,
    user,
    access,
    fingerprint: print,
    nextState: {
      engageUserId: engage.id,
      visitorUserId: null,
      userName: user.userName,
      attributes: user,
      ownedAccess: steps.accessRecord(access),
      fingerprint: print,
      deprovisioned: false,
    },
  };
}

function accessInput(engage: EngageUser, eligible: ReadonlySet<string>, ctx: PlanContext) {
  return {
    userType: engage.userType,
    administeredLocationIds: engage.administeredLocationIds,
    administeredCountryLocationIds: engage.administeredCountryLocationIds,
    defaultLocationId: ctx.defaultLocationId,
    eligible,
    locationMap: ctx.locationMap,
    options: ctx.options,
  };
}
