/** Locations: SCIM JSON ⇄ record, validation and the filter view. */
import { randomBytes, randomUUID } from 'node:crypto';
import { LocationInboundSchema, URN_VISITOR_LOCATION } from '../../scim/wire';
import { badRequest, conflict } from './errors';
import type { AttrGetter } from './filter-eval';
import type { LocationRecord } from './records';
import { etagOf } from './records';
import type { VisitorStore } from './store';
import { checkSchemas, invalidValueFrom } from './validation';

/** Zones known to be valid: building an Intl.DateTimeFormat per request was most of a create's cost. */
const knownZones = new Set<string>();

function isTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    return false;
  }
  // IANA has a few hundred zones (and their aliases); the bound only guards against odd clients.
  if (knownZones.size < 5000) knownZones.add(zone);
  return true;
}

/** A new location's server-assigned identity: SCIM id, ordinal and Visitor's id pair. */
export function newLocationIdentity(store: VisitorStore) {
  const ordinal = store.ordinalCount;
  return {
    id: randomUUID(),
    ordinal,
    companyId: `CP-${randomBytes(3).toString('hex').toUpperCase()}`,
    locationId: String(100000 + ordinal),
  };
}

export function buildLocation(
  body: unknown,
  store: VisitorStore,
  now: string,
  existing: LocationRecord | undefined,
): LocationRecord {
  const parsed = LocationInboundSchema.safeParse(body);
  if (!parsed.success) throw invalidValueFrom(parsed.error);
  const input = parsed.data;
  checkSchemas(input.schemas, [URN_VISITOR_LOCATION]);
  if (existing && input.id !== undefined && input.id !== existing.id) {
    throw badRequest('mutability', `Attribute 'id' cannot be changed`);
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) {
    throw badRequest('invalidValue', `Attribute 'timeZone': "${input.timeZone}" is not an IANA time zone`);
  }
  if (input.externalId !== undefined) {
    const other = store.locationByExternalId(input.externalId);
    if (other && other.id !== existing?.id)
      throw conflict(`externalId "${input.externalId}" is already taken`);
  }
  const identity = existing ?? { ...newLocationIdentity(store), isDefault: false, created: now, version: 0 };
  return {
    id: identity.id,
    ordinal: identity.ordinal,
    companyId: identity.companyId,
    locationId: identity.locationId,
    externalId: input.externalId,
    name: input.name,
    address: input.address,
    timeZone: input.timeZone,
    isDefault: identity.isDefault,
    created: identity.created,
    lastModified: now,
    version: identity.version + 1,
  };
}

/** The writable part of a location (what PATCH edits). */
export function locationDocument(loc: LocationRecord): Record<string, unknown> {
  const doc: Record<string, unknown> = { schemas: [URN_VISITOR_LOCATION], name: loc.name };
  if (loc.externalId !== undefined) doc.externalId = loc.externalId;
  if (loc.address !== undefined) doc.address = { ...loc.address };
  if (loc.timeZone !== undefined) doc.timeZone = loc.timeZone;
  return doc;
}

export function renderLocation(loc: LocationRecord, baseUrl: string): Record<string, unknown> {
  const { schemas, ...rest } = locationDocument(loc);
  return {
    schemas,
    id: loc.id,
    companyId: loc.companyId,
    locationId: loc.locationId,
    ...rest,
    isDefault: loc.isDefault,
    meta: {
      resourceType: 'Location',
      created: loc.created,
      lastModified: loc.lastModified,
      version: etagOf(loc.version),
      location: `${baseUrl}/Locations/${loc.id}`,
    },
  };
}

export function locationGetter(loc: LocationRecord): AttrGetter {
  return (name) => {
    if (name === 'meta')
      return { resourceType: 'Location', created: loc.created, lastModified: loc.lastModified };
    return (loc as unknown as Record<string, unknown>)[name];
  };
}
