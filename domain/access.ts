// Who gets which Visitor access, following Eptura's Engage → Visitor rules.
import type { AccessMap, EngageUserType, Role } from './types';

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
export function eligibleLocations(input: EligibilityInput): Set<string> {
  const current = new Set(input.allVisitorLocationIds);
  const base =
    input.owned === null || input.options.grantNewLocationsToExistingUsers
      ? [...current]
      : [...input.owned].filter((id) => current.has(id));
  return new Set([input.defaultLocationId, ...base]);
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

/**
 * Desired access: every eligible location, default location first, the rest sorted (deterministic order).
 * Global admins: admin at the default location, regular elsewhere. Everyone else: regular everywhere —
 * except, with locationAdminsAdministerTheirLocations, a location admin is admin at the eligible Visitor
 * locations mapped from the Engage locations they administer (unmapped ones are ignored).
 */
export function desiredAccess(input: AccessInput): AccessMap {
  const adminAt = new Set<string>();
  if (input.userType === 'global_admin') adminAt.add(input.defaultLocationId);
  if (input.userType === 'location_admin' && input.options.locationAdminsAdministerTheirLocations) {
    for (const engageId of input.administeredLocationIds) {
      const visitorId = input.locationMap.get(engageId);
      if (visitorId !== undefined) adminAt.add(visitorId);
    }
  }

  const others = [...input.eligible].filter((id) => id !== input.defaultLocationId).sort();
  const access: AccessMap = new Map();
  for (const id of [input.defaultLocationId, ...others]) {
    const role: Role = adminAt.has(id) ? 'admin' : 'regular';
    access.set(id, role);
  }
  return access;
}
