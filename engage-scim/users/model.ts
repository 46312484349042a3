// An Engage user as SCIM sees it: the state we store, parsed from a (normalised) SCIM body, and the
// SCIM representation rendered from a row.
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { EngageUsersTable } from '../../db/engage-schema';
import { badRequest } from '../errors';
import { normalizeResource, type Obj } from '../resource-json';
import { ENGAGE_SCHEMA, ENTERPRISE_SCHEMA, USER_SCHEMA, USER_TYPES, userResource } from '../schemas';

export type UserRow = Selectable<EngageUsersTable>;

export interface UserState {
  username: string;
  external_id: string | null;
  given_name: string | null;
  family_name: string | null;
  display_name: string | null;
  job_title: string | null;
  preferred_language: string | null;
  active: boolean;
  email: string | null;
  mobile_phone: string | null;
  work_phone: string | null;
  department: string | null;
  cost_center: string | null;
  employee_number: string | null;
  user_type: string;
  sso: boolean;
  custom_attributes: Record<string, string>;
}

const text = z.string().max(1024).nullish();
const multi = z
  .array(
    z.object({
      value: z.string().max(1024).nullish(),
      type: z.string().max(64).nullish(),
      primary: z.boolean().nullish(),
    }),
  )
  .max(100)
  .nullish();

const body = z.object({
  userName: z.string().trim().min(1, 'userName is required').max(256),
  externalId: text,
  name: z.object({ givenName: text, familyName: text }).nullish(),
  displayName: text,
  title: text,
  // ISO 639-1 is what Engage expects, but identity providers send what they hold: not enforced.
  preferredLanguage: z.string().max(64).nullish(),
  active: z.boolean().nullish(),
  emails: multi,
  phoneNumbers: multi,
  [ENTERPRISE_SCHEMA]: z.object({ employeeNumber: text, costCenter: text, department: text }).nullish(),
  [ENGAGE_SCHEMA]: z
    .object({
      userType: z.enum(USER_TYPES).nullish(),
      sso: z.boolean().nullish(),
      customAttributes: z
        .array(z.object({ name: z.string().min(1).max(256), value: z.string().max(4096).nullish() }))
        .max(500)
        .nullish(),
    })
    .nullish(),
});

type Multi = NonNullable<z.infer<typeof multi>>;

/** The primary e-mail, else the work one, else the first: Engage keeps one. */
function pickEmail(emails: Multi | null | undefined): string | null {
  const withValue = (emails ?? []).filter((e) => e.value);
  const pick =
    withValue.find((e) => e.primary) ??
    withValue.find((e) => e.type?.toLowerCase() === 'work') ??
    withValue[0];
  return pick?.value ?? null;
}

const MOBILE = new Set(['mobile', 'cell', 'cellular']);
function pickPhones(phones: Multi | null | undefined): { mobile: string | null; work: string | null } {
  const withValue = (phones ?? []).filter((p) => p.value);
  const mobile = withValue.find((p) => MOBILE.has(p.type?.toLowerCase() ?? ''));
  const work = withValue.find((p) => p !== mobile && !MOBILE.has(p.type?.toLowerCase() ?? ''));
  return { mobile: mobile?.value ?? null, work: work?.value ?? null };
}

const orNull = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : v);

/**
 * A create or full replacement. On replace, what identity providers do not know about is kept when
 * absent: externalId (immutable), active, and the Engage extension (userType, sso, customAttributes).
 */
export function userStateFromBody(raw: Obj, existing?: UserState): UserState {
  const parsed = body.safeParse(normalizeResource(raw, userResource));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw badRequest(`${i?.path.join('.') || 'body'}: ${i?.message}`, 'invalidValue');
  }
  const b = parsed.data;
  const ent = b[ENTERPRISE_SCHEMA];
  const eng = b[ENGAGE_SCHEMA];
  const phones = pickPhones(b.phoneNumbers);
  const custom = eng?.customAttributes
    ? Object.fromEntries(eng.customAttributes.map((c) => [c.name, c.value ?? '']))
    : undefined;
  return {
    username: b.userName,
    external_id: orNull(b.externalId) ?? existing?.external_id ?? null,
    given_name: orNull(b.name?.givenName),
    family_name: orNull(b.name?.familyName),
    display_name: orNull(b.displayName),
    job_title: orNull(b.title),
    preferred_language: orNull(b.preferredLanguage),
    active: b.active ?? existing?.active ?? true,
    email: pickEmail(b.emails),
    mobile_phone: phones.mobile,
    work_phone: phones.work,
    department: orNull(ent?.department),
    cost_center: orNull(ent?.costCenter),
    employee_number: orNull(ent?.employeeNumber),
    user_type: eng?.userType ?? existing?.user_type ?? 'regular',
    sso: eng?.sso ?? existing?.sso ?? false,
    custom_attributes: custom ?? existing?.custom_attributes ?? {},
  };
}

export function userStateFromRow(row: UserRow): UserState {
  const custom: Record<string, string> = {};
  for (const [k, v] of Object.entries(row.custom_attributes ?? {})) {
    custom[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return {
    username: row.username,
    external_id: row.external_id,
    given_name: row.given_name,
    family_name: row.family_name,
    display_name: row.display_name,
    job_title: row.job_title,
    preferred_language: row.preferred_language,
    active: row.active,
    email: row.email,
    mobile_phone: row.mobile_phone,
    work_phone: row.work_phone,
    department: row.department,
    cost_center: row.cost_center,
    employee_number: row.employee_number,
    user_type: row.user_type,
    sso: row.sso,
    custom_attributes: custom,
  };
}

const compact = (o: Obj): Obj =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

/** The SCIM representation, without meta (added by the caller, which knows the base URL). */
export function renderUser(id: number, s: UserState): Obj {
  const formatted = [s.given_name, s.family_name].filter(Boolean).join(' ');
  const name = compact({ formatted: formatted || null, givenName: s.given_name, familyName: s.family_name });
  const phones = [
    s.mobile_phone ? { value: s.mobile_phone, type: 'mobile' } : null,
    s.work_phone ? { value: s.work_phone, type: 'work' } : null,
  ].filter(Boolean);
  const enterprise = compact({
    employeeNumber: s.employee_number,
    costCenter: s.cost_center,
    department: s.department,
  });
  const customAttributes = Object.entries(s.custom_attributes).map(([n, value]) => ({ name: n, value }));
  return compact({
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, ENGAGE_SCHEMA],
    id: String(id),
    externalId: s.external_id,
    userName: s.username,
    name: Object.keys(name).length ? name : null,
    displayName: s.display_name,
    title: s.job_title,
    preferredLanguage: s.preferred_language,
    active: s.active,
    emails: s.email ? [{ value: s.email, type: 'work', primary: true }] : null,
    phoneNumbers: phones.length ? phones : null,
    [ENTERPRISE_SCHEMA]: Object.keys(enterprise).length ? enterprise : null,
    [ENGAGE_SCHEMA]: compact({
      userType: s.user_type,
      sso: s.sso,
      customAttributes: customAttributes.length ? customAttributes : null,
    }),
  });
}

/** Column values for insert/update. */
export function userColumns(s: UserState) {
  return { ...s, custom_attributes: JSON.stringify(s.custom_attributes) };
}
