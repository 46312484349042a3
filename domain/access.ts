// Who gets which Visitor access, following Eptura's Engage → Visitor rules.
import { memoByObject, memoByPair } from './memo';
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
// The same location list serves every user of a run: build its set once, not once per user.
const locationSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function setOf(ids: readonly string[]): ReadonlySet<string> {
  let set = locationSets.get(ids);
  if (!set) {
    set = new Set(ids);
    locationSets.set(ids, set);
  }
  return set;
}

export function eligibleLocations(input: EligibilityInput): ReadonlySet<string> {
  const grant = input.owned === null || input.options.grantNewLocationsToExistingUsers;
  // Everyone eligible for "all current locations" shares one set per location list.
  return grant
    ? allLocationsSet(input.allVisitorLocationIds, input.defaultLocationId)
    : ownedLocationsSet(input.owned!, input.allVisitorLocationIds, input.defaultLocationId);
}

const allLocationsSet = memoByObject(
  (ids: readonly string[], defaultLocationId: string): ReadonlySet<string> =>
    new Set([defaultLocationId, ...ids]),
);

const ownedEligible = memoByPair(
  (_owned: ReadonlySet<string>, _ids: readonly string[]) => new Map<string, ReadonlySet<string>>(),
);
function ownedLocationsSet(
  owned: ReadonlySet<string>,
  ids: readonly string[],
  defaultLocationId: string,
): ReadonlySet<string> {
  const byDefault = ownedEligible(owned, ids);
  let set = byDefault.get(defaultLocationId);
  if (!set) {
    const current = setOf(ids);
    set = new Set([defaultLocationId, ...[...owned].filter((id) => current.has(id))]);
    byDefault.set(defaultLocationId, set);
  }
  return set;
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
  // Only location admins with the option on depend on their own list: everyone else shares a map.
  const own = input.userType === 'location_admin' && input.options.locationAdminsAdministerTheirLocations;
  const key = `${input.userType}|${input.defaultLocationId}|${own ? input.administeredLocationIds.join(',') : ''}`;
  return desiredAccessMemo(input.eligible, input.locationMap)(key, input);
}

const desiredByEligible = memoByPair(
  (_eligible: ReadonlySet<string>, _map: ReadonlyMap<number, string>) => new Map<string, AccessMap>(),
);
function desiredAccessMemo(eligible: ReadonlySet<string>, locationMap: ReadonlyMap<number, string>) {
  const cache = desiredByEligible(eligible, locationMap);
  return (key: string, input: AccessInput): AccessMap => {
    let map = cache.get(key);
    if (!map) {
      map = computeDesiredAccess(input);
      cache.set(key, map);
    }
    return map;
  };
}

function computeDesiredAccess(input: AccessInput): AccessMap {
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
