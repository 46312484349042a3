// Translation between the domain's desired user / access plans and Visitor's SCIM wire format.
import type { AccessPlan } from '../domain/access-diff';
import type { AttributeChange, VisitorUserSnapshot } from '../domain/attribute-diff';
import { stripUnsafeCharacters } from '../domain/display-text';
import type { AccessMap, DesiredVisitorUser, EngageLocation, Role } from '../domain/types';
import {
  addLocationAccess,
  type LocationAttribute,
  removeLocationAccess,
  replaceUserName,
  setActive,
  setDefaultLocation,
  setLocationAttributes,
  setLocationRole,
  setOrRemovePhoneNumber,
  setSso,
  setUserAttributes,
} from '../scim/patch';
import {
  type LocationRequest,
  type PatchOperation,
  type ScimLocation,
  type ScimUser,
  URN_CORE_USER,
  URN_VISITOR_LOCATION,
  URN_VISITOR_USER,
  type UserCreateRequest,
} from '../scim/wire';

/**
 * The wire form of an access map, built once per map: users with the same role share one map
 * (engine/planning-cache.ts shares them), so they share one frozen list, which the SCIM client checks and
 * serialises once (scim/validate.ts).
 */
const accessLists = new WeakMap<AccessMap, readonly { locationId: string; role: Role }[]>();
function accessList(access: AccessMap): readonly { locationId: string; role: Role }[] {
  let list = accessLists.get(access);
  if (!list) {
    list = Object.freeze([...access].map(([locationId, role]) => Object.freeze({ locationId, role })));
    accessLists.set(access, list);
  }
  return list;
}

export function createBody(
  user: DesiredVisitorUser,
  access: AccessMap,
  defaultLocationId: string,
): UserCreateRequest {
  const phones = [
    ...(user.mobilePhone ? [{ value: user.mobilePhone, type: 'mobile' as const }] : []),
    ...(user.workPhone ? [{ value: user.workPhone, type: 'work' as const }] : []),
  ];
  return {
    schemas: [URN_CORE_USER, URN_VISITOR_USER],
    externalId: user.externalId,
    userName: user.userName,
    name: { givenName: user.givenName, familyName: user.familyName },
    emails: [{ value: user.email, type: 'work', primary: true }],
    ...(phones.length ? { phoneNumbers: phones } : {}),
    ...(user.title ? { title: user.title } : {}),
    ...(user.preferredLanguage ? { preferredLanguage: user.preferredLanguage } : {}),
    active: true,
    [URN_VISITOR_USER]: {
      defaultLocationId,
      locationAccess: accessList(access) as { locationId: string; role: Role }[],
      sso: user.sso,
    },
  };
}

/** The smallest PATCH for an update: changed attributes, access changes, and the default location. */
export function updateOperations(
  attributes: readonly AttributeChange[],
  access: Pick<AccessPlan, 'add' | 'setRole' | 'remove'>,
  defaultLocationId: string,
  opts: { reactivate?: boolean } = {},
): PatchOperation[] {
  const ops: PatchOperation[] = [];
  const simple: Record<string, string | null> = {};
  for (const change of attributes) {
    switch (change.attribute) {
      case 'userName':
        ops.push(...replaceUserName(change.value!));
        break;
      case 'emails':
        // userName and the work e-mail are one value in Visitor: changed together above.
        if (!attributes.some((c) => c.attribute === 'userName')) ops.push(...replaceUserName(change.value!));
        break;
      case 'phoneNumbers.mobile':
        ops.push(...setOrRemovePhoneNumber('mobile', change.value));
        break;
      case 'phoneNumbers.work':
        ops.push(...setOrRemovePhoneNumber('work', change.value));
        break;
      case 'sso':
        ops.push(...setSso(change.value));
        break;
      default:
        simple[change.attribute] = change.value;
    }
  }
  if (Object.keys(simple).length) ops.push(...setUserAttributes(simple));
  ops.push(...addLocationAccess(access.add));
  for (const c of access.setRole) ops.push(...setLocationRole(c.locationId, c.role));
  for (const id of access.remove) ops.push(...removeLocationAccess(id));
  ops.push(...setDefaultLocation(defaultLocationId));
  if (opts.reactivate) ops.push(...setActive(true));
  return ops;
}

export function snapshotOf(u: ScimUser): VisitorUserSnapshot {
  return {
    userName: u.userName,
    name: u.name,
    emails: u.emails.map((e) => ({ value: e.value, type: e.type ?? null, primary: e.primary ?? null })),
    phoneNumbers: (u.phoneNumbers ?? []).map((p) => ({ value: p.value, type: p.type ?? null })),
    title: u.title ?? null,
    preferredLanguage: u.preferredLanguage ?? null,
    sso: u[URN_VISITOR_USER]?.sso ?? null,
  };
}

export function accessOf(u: ScimUser): Map<string, Role> {
  return new Map((u[URN_VISITOR_USER]?.locationAccess ?? []).map((a) => [a.locationId, a.role]));
}

/**
 * A location as Visitor gets it. Its name and address are display values too (they appear in
 * invitations and on badges): control and bidirectional formatting characters are removed; a clean
 * location's body, and so its fingerprint, is what it always was.
 */
export function locationBody(l: EngageLocation): LocationRequest {
  const safe = (v: string | null) => (v ? stripUnsafeCharacters(v) : '');
  const address = {
    ...(safe(l.address) ? { streetAddress: safe(l.address) } : {}),
    ...(safe(l.city) ? { locality: safe(l.city) } : {}),
    ...(safe(l.postalCode) ? { postalCode: safe(l.postalCode) } : {}),
    ...(l.country ? { country: l.country } : {}),
  };
  return {
    schemas: [URN_VISITOR_LOCATION],
    externalId: String(l.id),
    name: stripUnsafeCharacters(l.name),
    ...(Object.keys(address).length ? { address } : {}),
    ...(l.timeZone ? { timeZone: l.timeZone } : {}),
  };
}

/**
 * The location's attributes the sync owns that Visitor has otherwise, as PATCH operations: a write
 * leaves whatever else Visitor keeps on a location untouched (on a target without PATCH the client
 * reads, applies and PUTs back). `keepUnset`: what Engage has no value for stays as Visitor has it —
 * for a location that existed before the sync (the HQ), whose details Engage may not know.
 */
export function locationOperations(
  l: EngageLocation,
  current: Pick<ScimLocation, 'name' | 'externalId' | 'timeZone' | 'address'>,
  { keepUnset = false } = {},
): PatchOperation[] {
  const body = locationBody(l);
  const wanted: [LocationAttribute, string | undefined, string | undefined][] = [
    ['name', body.name, current.name],
    ['externalId', body.externalId, current.externalId],
    ['timeZone', body.timeZone, current.timeZone],
    ['address.streetAddress', body.address?.streetAddress, current.address?.streetAddress],
    ['address.locality', body.address?.locality, current.address?.locality],
    ['address.postalCode', body.address?.postalCode, current.address?.postalCode],
    ['address.country', body.address?.country, current.address?.country],
  ];
  const changes: Partial<Record<LocationAttribute, string | null>> = {};
  for (const [path, want, has] of wanted) {
    if (want === has || (want === undefined && (keepUnset || has === undefined))) continue;
    changes[path] = want ?? null;
  }
  return setLocationAttributes(changes);
}
