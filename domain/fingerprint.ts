// A short, stable digest of everything the sync writes for one user, so unchanged users cost no SCIM call.
import { createHash } from 'node:crypto';
import type { DesiredVisitorUser, Role } from './types';

// Bump when the fingerprinted content changes meaning, so old fingerprints stop matching.
const FINGERPRINT_VERSION = 2;
const HEX_LENGTH = 16; // 64 bits: collisions between two states of one user are not a practical concern

/**
 * JSON with object keys sorted at every level; undefined properties are left out (undefined elsewhere
 * becomes null). Meant for plain data: strings, finite numbers, booleans, null, arrays, plain objects.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Digest of an access map (sorted by location id); computed once per distinct map object. */
const accessDigests = new WeakMap<ReadonlyMap<string, Role>, string>();
function accessDigest(access: ReadonlyMap<string, Role>): string {
  let digest = accessDigests.get(access);
  if (digest === undefined) {
    const sorted = [...access].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // Arrays of string pairs: JSON.stringify is canonical already, and much faster than canonicalJson.
    digest = createHash('sha256').update(JSON.stringify(sorted), 'utf8').digest('hex');
    accessDigests.set(access, digest);
  }
  return digest;
}

/**
 * 16 hex chars of sha256 over the canonical form of user + a digest of the access (sorted by location
 * id) + default location. Independent of property and map insertion order.
 */
export function fingerprint(
  user: DesiredVisitorUser,
  ownedAccess: ReadonlyMap<string, Role>,
  defaultLocationId: string,
): string {
  const content = canonicalJson({
    v: FINGERPRINT_VERSION,
    user,
    access: accessDigest(ownedAccess),
    defaultLocationId,
  });
  return createHash('sha256').update(content, 'utf8').digest('hex').slice(0, HEX_LENGTH);
}
