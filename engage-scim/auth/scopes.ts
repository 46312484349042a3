// What a SCIM client may do (engage.scim_clients.scopes, migration 0004). Identity providers read,
// provision people and manage groups; granting or changing an Engage admin type is a separate
// scope, off unless given when the client is created (seed 003: users are created as 'People').
import { ScimError } from '../errors';

export const SCOPES = ['read', 'users', 'groups', 'admin_types'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a client gets when its creator names no scopes (the column's default). */
export const DEFAULT_SCOPES: readonly Scope[] = ['read', 'users', 'groups'];

// 'People' in seed 003's words. Every other type (global, country, location, group, video admin,
// and any type Engage adds later) counts as an admin type: fail closed.
const PEOPLE_TYPES: ReadonlySet<string> = new Set(['regular', 'vendor']);
export const isAdminType = (userType: string) => !PEOPLE_TYPES.has(userType);

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

export class BadScope extends Error {}

/** "read,users" → ['read', 'users']; throws BadScope naming every unknown scope. */
export function parseScopes(csv: string): Scope[] {
  const names = csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((s) => !isScope(s));
  if (bad.length > 0) {
    throw new BadScope(`unknown scope${bad.length > 1 ? 's' : ''} ${bad.map((b) => `"${b}"`).join(', ')}`);
  }
  if (names.length === 0) throw new BadScope('no scope given');
  return [...new Set(names as Scope[])];
}

/** Scopes read from the database; an unknown value (none can exist, the column checks) grants nothing. */
export const scopeSet = (stored: readonly string[]): ReadonlySet<Scope> => new Set(stored.filter(isScope));

export function requireScope(scopes: ReadonlySet<Scope>, scope: Scope, action: string): void {
  if (!scopes.has(scope)) {
    throw new ScimError(403, `this SCIM client lacks the "${scope}" scope, which ${action} needs`);
  }
}

/**
 * A write that leaves userType as it is, or moves it between non-admin types (regular, vendor),
 * needs nothing more; granting, changing or revoking an admin type needs 'admin_types'.
 * `before` is undefined for a create.
 */
export function requireUserTypeScope(scopes: ReadonlySet<Scope>, before: string | undefined, after: string) {
  if (before === after) return;
  if (!isAdminType(after) && (before === undefined || !isAdminType(before))) return;
  const what =
    before === undefined
      ? `creating a user of type "${after}"`
      : `changing userType "${before}" to "${after}"`;
  requireScope(scopes, 'admin_types', what);
}

/** What makes an Engage user who they are: moving these moves the user's Visitor account too. */
const IDENTITY = ['username', 'email', 'external_id', 'sso'] as const;

type UserIdentity = Record<(typeof IDENTITY)[number], unknown> & { user_type: string; active: boolean };

/**
 * Beyond the type itself: an existing admin's identity (userName, e-mail, externalId, SSO) and its
 * reactivation need 'admin_types' too, or a client without it could re-point an administrator's
 * account to an address it controls. Deactivating an admin, and its profile (names, title, phones),
 * stay an identity provider's to change.
 */
export function requireUserWriteScope(
  scopes: ReadonlySet<Scope>,
  before: UserIdentity | undefined,
  after: UserIdentity,
): void {
  requireUserTypeScope(scopes, before?.user_type, after.user_type);
  if (!before || !isAdminType(before.user_type) || scopes.has('admin_types')) return;
  const moved = IDENTITY.filter((k) => before[k] !== after[k]);
  if (moved.length > 0)
    requireScope(
      scopes,
      'admin_types',
      `changing ${moved.join(', ')} of an Engage admin ("${before.user_type}")`,
    );
  if (!before.active && after.active)
    requireScope(scopes, 'admin_types', `reactivating an Engage admin ("${before.user_type}")`);
}

/**
 * What a write answers a client that may not read: the resource's id, schemas and meta only. Its
 * answers would otherwise read the directory (ids are sequential: a no-op PATCH of each is a dump).
 */
export function answerFor(
  scopes: ReadonlySet<Scope>,
  body: Record<string, unknown>,
): Record<string, unknown> {
  if (scopes.has('read')) return body;
  return { schemas: body.schemas, id: body.id, meta: body.meta };
}
