/**
 * Pure builders of RFC 7644 PATCH operations for Visitor users and locations. Each returns an
 * array so callers can concatenate changes into one PATCH request.
 */
import { eqFilter } from './filter';
import type { LocationRole, PatchOperation } from './wire';
import { URN_VISITOR_USER } from './wire';

export type PhoneType = 'mobile' | 'work';

/** Single-valued user attributes a sync may set or clear. */
export type SimpleUserAttribute =
  | 'name.givenName'
  | 'name.familyName'
  | 'name.formatted'
  | 'title'
  | 'preferredLanguage'
  | 'externalId';

const LOCATION_ACCESS = `${URN_VISITOR_USER}:locationAccess`;

const replace = (path: string, value: unknown): PatchOperation => ({ op: 'replace', path, value });

/** Sets each attribute; `null` removes it from the user. */
export function setUserAttributes(
  changes: Partial<Record<SimpleUserAttribute, string | null>>,
): PatchOperation[] {
  return Object.entries(changes).map(([path, value]) =>
    value === null || value === undefined ? { op: 'remove', path } : replace(path, value),
  );
}

/** Visitor requires userName and the primary work e-mail to be equal: they change together. */
export function replaceUserName(userName: string): PatchOperation[] {
  return [replace('userName', userName), replace('emails[type eq "work"].value', userName)];
}

/**
 * Sets the number of a type. `add` with a value-filter path updates the matching number or, when
 * the user has none of that type, creates it (a `replace` would fail with noTarget).
 */
export function setPhoneNumber(type: PhoneType, value: string): PatchOperation[] {
  return [{ op: 'add', path: `phoneNumbers[${eqFilter('type', type)}].value`, value }];
}

export function removePhoneNumber(type: PhoneType): PatchOperation[] {
  return [{ op: 'remove', path: `phoneNumbers[${eqFilter('type', type)}]` }];
}

/** `null` removes the number. */
export function setOrRemovePhoneNumber(type: PhoneType, value: string | null): PatchOperation[] {
  return value === null ? removePhoneNumber(type) : setPhoneNumber(type, value);
}

export function setSso(sso: boolean): PatchOperation[] {
  return [replace(`${URN_VISITOR_USER}:sso`, sso)];
}

export function setActive(active: boolean): PatchOperation[] {
  return [replace('active', active)];
}

export function setDefaultLocation(locationId: string): PatchOperation[] {
  return [replace(`${URN_VISITOR_USER}:defaultLocationId`, locationId)];
}

/** Grants access at locations; an entry for a location the user already has replaces its role. */
export function addLocationAccess(
  entries: readonly { locationId: string; role: LocationRole }[],
): PatchOperation[] {
  if (entries.length === 0) return [];
  return [
    {
      op: 'add',
      path: LOCATION_ACCESS,
      value: entries.map(({ locationId, role }) => ({ locationId, role })),
    },
  ];
}

export function setLocationRole(locationId: string, role: LocationRole): PatchOperation[] {
  return [replace(`${LOCATION_ACCESS}[${eqFilter('locationId', locationId)}].role`, role)];
}

export function removeLocationAccess(locationId: string): PatchOperation[] {
  return [{ op: 'remove', path: `${LOCATION_ACCESS}[${eqFilter('locationId', locationId)}]` }];
}

/** Location attributes a sync may set; `null` removes. */
export type LocationAttribute =
  | 'name'
  | 'timeZone'
  | 'externalId'
  | 'address.streetAddress'
  | 'address.locality'
  | 'address.postalCode'
  | 'address.region'
  | 'address.country';

export function setLocationAttributes(
  changes: Partial<Record<LocationAttribute, string | null>>,
): PatchOperation[] {
  return Object.entries(changes).map(([path, value]) =>
    value === null || value === undefined ? { op: 'remove', path } : replace(path, value),
  );
}
