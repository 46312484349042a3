// Who gets which Visitor access, following Eptura's Engage → Visitor rules.
import {
  type AccessMap,
  ENGAGE_USER_TYPES,
  type EngageUser,
  type EngageUserType,
  type Role,
  type Warning,
} from './types';

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

const KNOWN_TYPES: ReadonlySet<string> = new Set(ENGAGE_USER_TYPES);

export function isKnownUserType(userType: string): userType is EngageUserType {
  return KNOWN_TYPES.has(userType);
}

/** A type name is shown only when it looks like one: a malformed column could hold anything. */
const PLAIN_TYPE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A user type this version does not know (Engage added one, or a row is odd) gets what every
 * non-global type gets — regular access — and a warning in the provisioning log; never a failure.
 */
export function userTypeWarning(userType: string): Warning | null {
  if (isKnownUserType(userType)) return null;
  const name = PLAIN_TYPE_NAME.test(userType) ? `'${userType}'` : 'of an unexpected form';
  return {
    code: 'unknown_user_type',
    attribute: 'userType',
    message: `Engage user type ${name} is unknown to the sync: given regular access.`,
  };
}

const NO_IDS: readonly number[] = Object.freeze([]);

export interface AdminScopeOptions {
  locationAdminsAdministerTheirLocations: boolean;
  countryAdminsAdministerTheirCountries?: boolean;
}

/**
 * The Engage locations at which a user is admin beyond the default location, by the options: a
 * location admin's own locations, a country admin's countries' locations; none for anyone else.
 * Global admins are admin at the default location only (desiredAccess), as Eptura's process says.
 */
export function administeredEngageLocationIds(
  user: {
    userType: EngageUser['userType'];
    administeredLocationIds: readonly number[];
    administeredCountryLocationIds?: readonly number[];
  },
  options: AdminScopeOptions,
): readonly number[] {
  if (user.userType === 'location_admin' && options.locationAdminsAdministerTheirLocations)
    return user.administeredLocationIds;
  if (user.userType === 'country_admin' && options.countryAdminsAdministerTheirCountries)
    return user.administeredCountryLocationIds ?? NO_IDS;
  return NO_IDS;
}

export interface AccessInput {
  /** An unknown type (isKnownUserType) is planned as a regular user. */
  userType: EngageUserType | (string & {});
  administeredLocationIds: readonly number[];
  /** A country admin's: the Engage locations in their countries. */
  administeredCountryLocationIds?: readonly number[];
  defaultLocationId: string;
  eligible: ReadonlySet<string>;
  /** Engage location id → Visitor location id. */
  locationMap: ReadonlyMap<number, string>;
  options: AdminScopeOptions;
}

const NO_ADMIN: readonly string[] = Object.freeze([]);

/**
 * Desired access: every eligible location, default location first, the rest sorted (deterministic order).
 * Global admins: admin at the default location, regular elsewhere. Every other type, known or not
 * (country, location, group and video admins, users, vendors): regular everywhere, as Eptura's process
 * says — except, by option, at the eligible Visitor locations mapped from the Engage locations a
 * location admin administers (locationAdminsAdministerTheirLocations) or that lie in a country admin's
 * countries (countryAdminsAdministerTheirCountries); unmapped ones are ignored.
 */
export function desiredAccess(input: AccessInput, steps: AccessSteps = plainAccessSteps): AccessMap {
  let adminAt = NO_ADMIN;
  const administered = administeredEngageLocationIds(input, input.options);
  if (input.userType === 'global_admin') adminAt = [input.defaultLocationId];
  else if (administered.length > 0) {
    const mapped: string[] = [];
    for (const engageId of administered) {
      const visitorId = input.locationMap.get(engageId);
      if (visitorId !== undefined) mapped.push(visitorId);
    }
    adminAt = mapped;
  }
  return steps.accessMap(input.eligible, input.defaultLocationId, adminAt);
}
