// Derives the Visitor userName (= primary work e-mail) from an Engage user.
import type { EngageUser } from './types';

export type IdentityFailureReason = 'missing_email' | 'invalid_email';

export const IDENTITY_FAILURE_MESSAGES: Record<IdentityFailureReason, string> = {
  missing_email: 'The Engage username is not an e-mail address and the user has no e-mail address.',
  invalid_email: 'The Engage username is not an e-mail address and the e-mail address is not valid.',
};

export type VisitorUserNameResult =
  | { ok: true; userName: string }
  | { ok: false; reason: IdentityFailureReason; message: string };

const MAX_ADDRESS_LENGTH = 254; // RFC 5321 path limit minus the angle brackets
const MAX_LOCAL_LENGTH = 64;
const MAX_LABEL_LENGTH = 63;
// RFC 5322 dot-atom text, ASCII only (see isEmailAddress for why).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
// A top-level domain is alphabetic, or an IDN A-label (xn--…).
const TOP_LEVEL_LABEL = /^(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)$/;

/**
 * Practical e-mail check: local@domain.tld, ASCII only, no quoted local parts, no IP-literal domains.
 * Internationalised addresses (non-ASCII local part or U-label domain) are rejected on purpose: Visitor
 * mails invitations to this address and SMTPUTF8 support is not guaranteed; IDN domains are accepted in
 * their A-label (xn--) form. Rejecting makes the problem visible as a failure instead of a bounced invite.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length === 0 || value.length > MAX_ADDRESS_LENGTH) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at !== value.indexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((label) => label.length <= MAX_LABEL_LENGTH && DOMAIN_LABEL.test(label))) return false;
  return TOP_LEVEL_LABEL.test(labels[labels.length - 1] ?? '');
}

/**
 * Eptura's rule: the Engage username when it is an e-mail address, otherwise the Engage e-mail.
 * Surrounding whitespace is ignored; the case is kept as written (comparisons use identityKey).
 */
export function visitorUserName(u: EngageUser): VisitorUserNameResult {
  const username = u.username.trim();
  if (isEmailAddress(username)) return { ok: true, userName: username };
  const email = u.email?.trim() ?? '';
  if (email === '') return fail('missing_email');
  if (!isEmailAddress(email)) return fail('invalid_email');
  return { ok: true, userName: email };
}

function fail(reason: IdentityFailureReason): VisitorUserNameResult {
  return { ok: false, reason, message: IDENTITY_FAILURE_MESSAGES[reason] };
}

/**
 * Uniqueness key: Visitor compares userName case-insensitively. Valid userNames are ASCII, so lower-casing
 * is a complete case fold; trimming guards callers that pass raw values.
 */
export function identityKey(userName: string): string {
  return userName.trim().toLowerCase();
}
