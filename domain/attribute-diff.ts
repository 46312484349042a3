// The smallest attribute update between two desired users, or between desired and Visitor's copy.
import { identityKey } from './identity';
import { toE164 } from './phone';
import type { DesiredVisitorUser } from './types';

export type StringAttribute =
  | 'userName'
  | 'name.givenName'
  | 'name.familyName'
  | 'emails'
  | 'phoneNumbers.mobile'
  | 'phoneNumbers.work'
  | 'title'
  | 'preferredLanguage';

/** value null = remove the attribute in Visitor. */
export type AttributeChange =
  | { attribute: StringAttribute; value: string | null }
  | { attribute: 'sso'; value: boolean };

export type VisitorAttribute = AttributeChange['attribute'];

/** Fixed order of changes (userName first: it is the identifier the rest hangs on). */
export const ATTRIBUTE_ORDER: readonly VisitorAttribute[] = [
  'userName',
  'name.givenName',
  'name.familyName',
  'emails',
  'phoneNumbers.mobile',
  'phoneNumbers.work',
  'title',
  'preferredLanguage',
  'sso',
];

type Values = { [K in StringAttribute]: string | null } & { sso: boolean };

/** The attributes the sync writes, by Visitor attribute path. */
export function valuesOf(u: DesiredVisitorUser): Values {
  return {
    userName: u.userName,
    'name.givenName': u.givenName,
    'name.familyName': u.familyName,
    emails: u.email,
    'phoneNumbers.mobile': u.mobilePhone ?? null,
    'phoneNumbers.work': u.workPhone ?? null,
    title: u.title ?? null,
    preferredLanguage: u.preferredLanguage ?? null,
    sso: u.sso,
  };
}

/**
 * Attributes that differ from what the sync wrote before, in ATTRIBUTE_ORDER. Exact comparison: a case-only
 * change of the e-mail is sent too, so Visitor shows it as Engage does. previous null → every attribute
 * that has a value (the full set for a create).
 */
export function changedAttributes(
  previous: DesiredVisitorUser | null,
  next: DesiredVisitorUser,
): AttributeChange[] {
  const after = valuesOf(next);
  const before = previous === null ? null : valuesOf(previous);
  return diff(after, (attribute) =>
    before === null ? after[attribute] === null : before[attribute] === after[attribute],
  );
}

/** The parts of a Visitor user read back over SCIM that the sync compares. Unknown = absent. */
export interface VisitorUserSnapshot {
  userName: string;
  name?: { givenName?: string | null; familyName?: string | null } | null;
  emails?: readonly { value: string; type?: string | null; primary?: boolean | null }[] | null;
  phoneNumbers?: readonly { value: string; type?: string | null }[] | null;
  title?: string | null;
  preferredLanguage?: string | null;
  /** Absent when Visitor does not report it; then it is not compared. */
  sso?: boolean | null;
}

/**
 * Attributes where Visitor's copy differs from the desired user (full reconcile), in ATTRIBUTE_ORDER, with
 * the desired value. userName and e-mail compare case-insensitively (Visitor treats them so); phones compare
 * in E.164 form; language tags case-insensitively; empty strings count as absent.
 */
export function driftedAttributes(
  desired: DesiredVisitorUser,
  actual: VisitorUserSnapshot,
): AttributeChange[] {
  const want = valuesOf(desired);
  const have = snapshotValues(actual);
  return diff(want, (attribute) => {
    if (attribute === 'sso') return have.sso === null || have.sso === want.sso;
    const a = want[attribute];
    const b = have[attribute];
    if (a === null || b === null) return a === b;
    if (attribute === 'userName' || attribute === 'emails' || attribute === 'preferredLanguage') {
      return identityKey(a) === identityKey(b);
    }
    return a === b;
  });
}

/** The same attributes as Visitor holds them (a full reconcile's read). */
export function snapshotValues(actual: VisitorUserSnapshot): { [K in StringAttribute]: string | null } & {
  sso: boolean | null;
} {
  const emails = actual.emails ?? [];
  const email = emails.find((e) => e.primary === true) ?? emails.find((e) => e.type === 'work') ?? emails[0];
  const phone = (type: string) => {
    const found = (actual.phoneNumbers ?? []).find((p) => p.type?.toLowerCase() === type);
    if (found === undefined) return null;
    return toE164(found.value) ?? blankToNull(found.value);
  };
  return {
    userName: blankToNull(actual.userName),
    'name.givenName': blankToNull(actual.name?.givenName),
    'name.familyName': blankToNull(actual.name?.familyName),
    emails: blankToNull(email?.value),
    'phoneNumbers.mobile': phone('mobile'),
    'phoneNumbers.work': phone('work'),
    title: blankToNull(actual.title),
    preferredLanguage: blankToNull(actual.preferredLanguage),
    sso: actual.sso ?? null,
  };
}

function blankToNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function diff(want: Values, same: (attribute: VisitorAttribute) => boolean): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const attribute of ATTRIBUTE_ORDER) {
    if (same(attribute)) continue;
    changes.push(
      attribute === 'sso' ? { attribute, value: want.sso } : { attribute, value: want[attribute] },
    );
  }
  return changes;
}

/** An attribute's value before and after a change, as the provisioning log shows it. */
export type ValueChange = { from: string | boolean | null; to: string | boolean | null };

/** An attribute's values by path, as one side of a comparison held them. */
export type AttributeValues = { [K in VisitorAttribute]: string | boolean | null };

/**
 * Old → new of each change, keyed by attribute: `from` is what the change was planned against (Visitor's
 * copy in a full reconcile, else what the sync last wrote; null when nothing), `to` what it writes now.
 */
export function valueChanges(
  before: AttributeValues | null,
  changes: readonly AttributeChange[],
): Record<string, ValueChange> {
  return Object.fromEntries(
    changes.map((c) => [c.attribute, { from: before?.[c.attribute] ?? null, to: c.value }]),
  );
}
