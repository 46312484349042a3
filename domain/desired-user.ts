// Maps one Engage user to the Visitor user the sync wants, or says why it cannot.
import { visitorUserName } from './identity';
import { normalizeLanguageTag } from './language';
import { toE164 } from './phone';
import type { DesiredVisitorUser, EngageUser, Failure } from './types';

export type DesiredUserResult = { ok: true; user: DesiredVisitorUser } | { ok: false; failures: Failure[] };

/** Visitor's (and most SCIM servers') column limit, counted in characters (code points), not UTF-16 units. */
export const MAX_VALUE_LENGTH = 255;

/**
 * Builds the desired Visitor user. All failures are collected, not just the first.
 * - Strings are trimmed and NFC-normalised (so the same name typed differently does not look changed);
 *   blank counts as missing.
 * - Names: both missing → missing_name. One missing → the present one fills both, because Visitor requires
 *   both and mononymous people must still be provisioned; nothing is invented.
 * - Phones that are not E.164 and invalid preferredLanguage values are dropped, not failures.
 * - Any kept string over 255 characters → value_too_long for that attribute (never truncated silently).
 */
export function desiredVisitorUser(u: EngageUser): DesiredUserResult {
  const failures: Failure[] = [];

  const identity = visitorUserName(u);
  if (!identity.ok)
    failures.push({ code: identity.reason, attribute: 'userName', message: identity.message });

  const given = clean(u.givenName);
  const family = clean(u.familyName);
  if (given === null && family === null) {
    failures.push({
      code: 'missing_name',
      attribute: 'name',
      message: 'Visitor requires a name; both given and family name are empty.',
    });
  }
  const givenName = given ?? family ?? '';
  const familyName = family ?? given ?? '';
  const title = clean(u.jobTitle);

  const lengthChecked: [attribute: string, value: string | null][] = [
    ['name.givenName', given],
    ['name.familyName', family],
    ['title', title],
  ];
  for (const [attribute, value] of lengthChecked) {
    if (value !== null && [...value].length > MAX_VALUE_LENGTH) {
      failures.push({
        code: 'value_too_long',
        attribute,
        message: `${attribute} is longer than ${MAX_VALUE_LENGTH} characters.`,
      });
    }
  }

  if (!identity.ok || failures.length > 0) return { ok: false, failures };

  const user: DesiredVisitorUser = {
    externalId: String(u.id),
    userName: identity.userName,
    email: identity.userName,
    givenName,
    familyName,
    sso: u.sso,
  };
  const mobilePhone = toE164(u.mobilePhone);
  if (mobilePhone !== null) user.mobilePhone = mobilePhone;
  const workPhone = toE164(u.workPhone);
  if (workPhone !== null) user.workPhone = workPhone;
  if (title !== null) user.title = title;
  const preferredLanguage = normalizeLanguageTag(u.preferredLanguage);
  if (preferredLanguage !== null) user.preferredLanguage = preferredLanguage;
  return { ok: true, user };
}

function clean(value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.normalize('NFC').trim();
  return trimmed === '' ? null : trimmed;
}
