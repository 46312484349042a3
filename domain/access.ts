// Who gets which Visitor access, following Eptura's Engage → Visitor rules.
import type { AccessMap, EngageUserType, Role } from './types';

/**
 * The costly parts of the access rules, as pure functions of their arguments: each answer depends on
 * nothing else, so a caller may swap in implementations that memoise them by argument identity
 * (engine/planning-cache.ts). Answers may then be shared between users: treat them as read-only.
 */
export interface AccessSteps {
  /** The default location and every location in ids. */
  allLocations: (ids: readonly string[], defaultLocationId: string) => ReadonlySet<string>;
  /** The default location and the owned locations that are still in ids. */
  ownedLocations: (
    owned: ReadonlySet<string>,
    ids: readonly string[],
    defaultLocationId: string,
  ) => ReadonlySet<string>;
  /** Every eligible location, default first, the rest sorted: admin at adminAt, regular elsewhere. */
  accessMap: (
    eligible: ReadonlySet<string>,
    defaultLocationId: string,
    adminAt: readonly string[],
  ) => AccessMap;
}

/** The steps computed afresh on every call. */
export const plainAccessSteps: AccessSteps = {
  allLocations: (ids, defaultLocationId) => new Set([defaultLocationId, ...ids]),
  ownedLocations: (owned, ids, defaultLocationId) => {
    const current = new Set(ids);
    return new Set([defaultLocationId, ...[...owned].filter((id) => current.has(id))]);
  },
  accessMap: (eligible, defaultLocationId, adminAt) => {
    const admin = new Set(adminAt);
    const others = [...eligible].filter((id) => id !== defaultLocationId).sort();
    const access: AccessMap = new Map();
    for (const id of [defaultLocationId, ...others]) {
      const role: Role = admin.has(id) ? 'admin' : 'regular';
      access.set(id, role);
    }
    return access;
  },
};

export interface EligibilityInput {
  /** Locations the sync granted before; null for a user not yet in Visitor (a new user). */
  owned: ReadonlySet<string> | null;
  /** All Visitor locations that exist now. */
  allVisitorLocationIds: readonly string[];
  defaultLocationId: string;
  options: { grantNewLocationsToExistingUsers: boolean };
}

/**
 * Visitor locations a user may have access to.
 * New user → every location existing now. Existing user → only the locations the sync granted before (new
 * locations must be granted by hand, as in Eptura's process) unless grantNewLocationsToExistingUsers.
 * Locations no longer in Visitor drop out; the default location is always eligible.
 */
export function eligibleLocations(
  input: EligibilityInput,
  steps: AccessSteps = plainAccessSteps,
): ReadonlySet<string> {
  const { owned, allVisitorLocationIds: ids, defaultLocationId } = input;
  return owned === null || input.options.grantNewLocationsToExistingUsers
    ? steps.allLocations(ids, defaultLocationId)
    : steps.ownedLocations(owned, ids, defaultLocationId);
}

export interface AccessInput {
  userType: EngageUserType;
  administeredLocationIds: readonly number[];
  defaultLocationId: string;
  eligible: ReadonlySet<string>;
  /** Engage location id → Visitor location id. */
  locationMap: ReadonlyMap<number, string>;
  options: { locationAdminsAdministerTheirLocations: boolean };
}

const NO_ADMIN: readonly string[] = Object.freeze([]);

/**
 * Desired access: every eligible location, default location first, the rest sorted (deterministic order).
 * Global admins: admin at the default location, regular elsewhere. Everyone else: regular everywhere —
 * except, with locationAdminsAdministerTheirLocations, a location admin is admin at the eligible Visitor
 * locations mapped from the Engage locations they administer (unmapped ones are ignored).
 */
export function desiredAccess(input: AccessInput, steps: AccessSteps = plainAccessSteps): AccessMap {
  let adminAt = NO_ADMIN;
  if (input.userType === 'global_admin') adminAt = [input.defaultLocationId];
  else if (input.userType === 'location_admin' && input.options.locationAdminsAdministerTheirLocations) {
    const mapped: string[] = [];
    for (const engageId of input.administeredLocationIds) {
      const visitorId = input.locationMap.get(engageId);
      if (visitorId !== undefined) mapped.push(visitorId);
    }
    adminAt = mapped;
  }
  return steps.accessMap(input.eligible, input.defaultLocationId, adminAt);
}
