// Maps one Engage user to the Visitor user the sync wants, or says why it cannot.
import { codePointLength, shortenAtGraphemeBoundary, stripUnsafeCharacters } from './display-text';
import { visitorUserName } from './identity';
import { normalizeLanguageTag } from './language';
import { toE164 } from './phone';
import type { DesiredVisitorUser, EngageUser, Failure, LongValuePolicy, Warning } from './types';

export type DesiredUserResult =
  | { ok: true; user: DesiredVisitorUser; warnings: Warning[] }
  | { ok: false; failures: Failure[] };

/** Visitor's (and most SCIM servers') column limit, counted in characters (code points), not UTF-16 units. */
export const MAX_VALUE_LENGTH = 255;

/**
 * Builds the desired Visitor user. All failures are collected, not just the first.
 * - Names and title lose control and bidirectional formatting characters (display-text.ts), with a
 *   warning; then strings are trimmed and NFC-normalised (so the same name typed differently does not
 *   look changed); blank counts as missing.
 * - Names: both missing → missing_name. One missing → the present one fills both, because Visitor requires
 *   both and mononymous people must still be provisioned; nothing is invented.
 * - Phones that are not E.164 and invalid preferredLanguage values are dropped, not failures.
 * - A name or title over 255 characters is shortened at a character boundary with a warning
 *   (longValues 'shorten', the default) or is value_too_long for that attribute ('refuse').
 */
export function desiredVisitorUser(
  u: EngageUser,
  opts: { longValues?: LongValuePolicy } = {},
): DesiredUserResult {
  const failures: Failure[] = [];
  const warnings: Warning[] = [];
  const refuse = opts.longValues === 'refuse';

  const identity = visitorUserName(u);
  if (!identity.ok)
    failures.push({ code: identity.reason, attribute: 'userName', message: identity.message });

  const display = (attribute: string, value: string | null): string | null => {
    const safe = displayValue(value, attribute, warnings);
    // UTF-16 units ≥ code points: almost every value is decided without counting.
    if (safe === null || safe.length <= MAX_VALUE_LENGTH || codePointLength(safe) <= MAX_VALUE_LENGTH)
      return safe;
    if (refuse) {
      failures.push({
        code: 'value_too_long',
        attribute,
        message: `${attribute} is longer than ${MAX_VALUE_LENGTH} characters.`,
      });
      return safe;
    }
    warnings.push({
      code: 'value_shortened',
      attribute,
      message: `${attribute} was longer than ${MAX_VALUE_LENGTH} characters: shortened to fit.`,
    });
    // A single cluster longer than the limit leaves nothing: then the value counts as missing.
    return shortenAtGraphemeBoundary(safe, MAX_VALUE_LENGTH) || null;
  };
  const given = display('name.givenName', u.givenName);
  const family = display('name.familyName', u.familyName);
  if (given === null && family === null) {
    failures.push({
      code: 'missing_name',
      attribute: 'name',
      message: 'Visitor requires a name; both given and family name are empty.',
    });
  }
  const givenName = given ?? family ?? '';
  const familyName = family ?? given ?? '';
  const title = display('title', u.jobTitle);

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
  return { ok: true, user, warnings };
}

/** Safe characters only (a warning when some were removed), NFC, trimmed; blank → null. */
function displayValue(value: string | null, attribute: string, warnings: Warning[]): string | null {
  if (value === null) return null;
  const safe = stripUnsafeCharacters(value);
  const trimmed = safe.normalize('NFC').trim();
  // Surrounding whitespace is trimmed anyway: only what changes the kept value is worth a warning.
  if (safe !== value && stripUnsafeCharacters(value.trim()) !== value.trim())
    warnings.push({
      code: 'characters_removed',
      attribute,
      message: `Control or bidirectional formatting characters were removed from ${attribute}.`,
    });
  return trimmed === '' ? null : trimmed;
}
