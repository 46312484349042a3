/**
 * Users: SCIM JSON ⇄ compact record, Visitor's validation rules, and the filter view.
 * POST, PUT and PATCH all end in `buildUser`, so every rule holds whatever the verb.
 */
import type { UserInbound } from '../../scim/wire';
import { URN_CORE_SCIM1, URN_CORE_USER, URN_VISITOR_USER, UserInboundSchema } from '../../scim/wire';
import { badRequest, conflict } from './errors';
import type { AttrGetter } from './filter-eval';
import type { EmailValue, UserRecord } from './records';
import { ACCESS_NONE, byteToRole, etagOf, roleToByte } from './records';
import type { VisitorStore } from './store';
import { checkSchemas, invalidValueFrom } from './validation';

export interface BuildContext {
  store: VisitorStore;
  mode: 'create' | 'replace';
  id: string;
  now: string;
  existing?: UserRecord;
}

export interface BuiltUser {
  record: UserRecord;
  /** Create only: the request asked for the invitation to go out now. */
  sendInvitation: boolean;
}

/** The work e-mail marked primary, else the first work e-mail. */
function primaryWorkEmail(emails: EmailValue[]): EmailValue | undefined {
  const work = emails.filter((e) => e.type?.toLowerCase() === 'work');
  return work.find((e) => e.primary === true) ?? work[0];
}

function checkRules(input: UserInbound): void {
  const work = primaryWorkEmail(input.emails);
  if (!work) throw badRequest('invalidValue', `Attribute 'emails' needs an e-mail of type "work"`);
  if (input.emails.filter((e) => e.primary === true).length > 1) {
    throw badRequest('invalidValue', `Attribute 'emails' has more than one primary e-mail`);
  }
  if (work.value.toLowerCase() !== input.userName.toLowerCase()) {
    throw badRequest(
      'invalidValue',
      `Attribute 'userName' must equal the primary work e-mail (${work.value})`,
    );
  }
}

export function buildUser(body: unknown, ctx: BuildContext): BuiltUser {
  const parsed = UserInboundSchema.safeParse(body);
  if (!parsed.success) throw invalidValueFrom(parsed.error);
  const input = parsed.data;
  checkSchemas(input.schemas, [URN_CORE_USER, URN_CORE_SCIM1]);
  if (ctx.mode === 'replace' && input.id !== undefined && input.id !== ctx.id) {
    throw badRequest('mutability', `Attribute 'id' cannot be changed`);
  }
  checkRules(input);

  const { store } = ctx;
  const ext = input[URN_VISITOR_USER];
  const defaultLoc = store.defaultLocation;
  if (!defaultLoc) throw new Error('store has no default location');
  let home = defaultLoc.ordinal;
  if (ext?.defaultLocationId !== undefined) {
    const loc = store.locations.get(ext.defaultLocationId);
    if (!loc)
      throw badRequest(
        'invalidValue',
        `Attribute 'defaultLocationId': no location "${ext.defaultLocationId}"`,
      );
    home = loc.ordinal;
  }
  const access = new Uint8Array(store.ordinalCount);
  for (const entry of ext?.locationAccess ?? []) {
    const loc = store.locations.get(entry.locationId);
    if (!loc)
      throw badRequest('invalidValue', `Attribute 'locationAccess': no location "${entry.locationId}"`);
    if (access[loc.ordinal] !== ACCESS_NONE) {
      throw badRequest(
        'invalidValue',
        `Attribute 'locationAccess': location "${entry.locationId}" listed twice`,
      );
    }
    access[loc.ordinal] = roleToByte(entry.role);
  }

  const byName = store.userByUserName(input.userName);
  if (byName && byName.id !== ctx.id) throw conflict(`userName "${input.userName}" is already taken`);
  if (input.externalId !== undefined) {
    const byExt = store.userByExternalId(input.externalId);
    if (byExt && byExt.id !== ctx.id) throw conflict(`externalId "${input.externalId}" is already taken`);
  }

  const sendInvitation = ctx.mode === 'create' && ext?.sendInvitation === true;
  const active = input.active ?? true;
  if (sendInvitation && !active)
    throw badRequest('invalidValue', 'An invitation cannot be sent to an inactive user');
  const existing = ctx.existing;
  const record: UserRecord = {
    seq: existing?.seq ?? 0,
    id: ctx.id,
    externalId: input.externalId,
    userName: input.userName,
    givenName: input.name.givenName,
    familyName: input.name.familyName,
    formatted: input.name.formatted,
    emails: input.emails.map((e) => ({ value: e.value, type: e.type, primary: e.primary })),
    phoneNumbers: input.phoneNumbers?.map((p) => ({ value: p.value, type: p.type })),
    title: input.title,
    preferredLanguage: input.preferredLanguage,
    active,
    defaultLocation: home,
    access,
    sso: ext?.sso ?? false,
    invitationStatus: existing?.invitationStatus ?? (sendInvitation ? 'sent' : 'held'),
    invitationSentAt: existing?.invitationSentAt ?? (sendInvitation ? ctx.now : undefined),
    created: existing?.created ?? ctx.now,
    lastModified: ctx.now,
    version: (existing?.version ?? 0) + 1,
  };
  return { record, sendInvitation };
}

function locationAccessOf(record: UserRecord, store: VisitorStore) {
  const out: { locationId: string; role: 'admin' | 'regular' }[] = [];
  const { access } = record;
  for (let i = 0; i < access.length; i++) {
    const byte = access[i]!;
    if (byte === ACCESS_NONE) continue;
    const loc = store.locationAt(i);
    if (loc) out.push({ locationId: loc.id, role: byteToRole(byte) });
  }
  return out;
}

function stripUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}

/** The writable part of a user as SCIM JSON (what PUT sends and PATCH edits). */
export function userDocument(record: UserRecord, store: VisitorStore): Record<string, unknown> {
  return stripUndefined({
    schemas: [URN_CORE_USER, URN_VISITOR_USER],
    externalId: record.externalId,
    userName: record.userName,
    name: stripUndefined({
      givenName: record.givenName,
      familyName: record.familyName,
      formatted: record.formatted,
    }),
    emails: record.emails.map((e) => stripUndefined({ ...e })),
    phoneNumbers: record.phoneNumbers?.map((p) => ({ ...p })),
    title: record.title,
    preferredLanguage: record.preferredLanguage,
    active: record.active,
    [URN_VISITOR_USER]: {
      defaultLocationId: store.locationAt(record.defaultLocation)?.id ?? store.defaultLocation?.id,
      locationAccess: locationAccessOf(record, store),
      sso: record.sso,
    },
  });
}

export function renderUser(
  record: UserRecord,
  store: VisitorStore,
  baseUrl: string,
): Record<string, unknown> {
  const doc = userDocument(record, store);
  const ext = doc[URN_VISITOR_USER] as Record<string, unknown>;
  ext.invitation = stripUndefined({ status: record.invitationStatus, sentAt: record.invitationSentAt });
  return {
    schemas: doc.schemas,
    id: record.id,
    ...doc,
    meta: {
      resourceType: 'User',
      created: record.created,
      lastModified: record.lastModified,
      version: etagOf(record.version),
      location: `${baseUrl}/Users/${record.id}`,
    },
  };
}

/** Filter view of a record; location access is only materialised when a filter asks for it. */
export function userGetter(record: UserRecord, store: VisitorStore): AttrGetter {
  return (name) => {
    switch (name) {
      case 'id':
        return record.id;
      case 'externalId':
        return record.externalId;
      case 'userName':
        return record.userName;
      case 'name':
        return { givenName: record.givenName, familyName: record.familyName, formatted: record.formatted };
      case 'emails':
        return record.emails;
      case 'phoneNumbers':
        return record.phoneNumbers;
      case 'title':
        return record.title;
      case 'preferredLanguage':
        return record.preferredLanguage;
      case 'active':
        return record.active;
      case 'meta':
        return { resourceType: 'User', created: record.created, lastModified: record.lastModified };
      case 'defaultLocationId':
        return store.locationAt(record.defaultLocation)?.id;
      case 'locationAccess':
        return locationAccessOf(record, store);
      case 'sso':
        return record.sso;
      case 'invitation':
        return { status: record.invitationStatus, sentAt: record.invitationSentAt };
      default:
        return undefined;
    }
  };
}
