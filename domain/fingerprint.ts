// A short, stable digest of everything the sync writes for one user, so unchanged users cost no SCIM call.
import crypto, { createHash } from 'node:crypto';
import type { DesiredVisitorUser, Role } from './types';

// Bump when the fingerprinted content changes meaning, so old fingerprints stop matching.
const FINGERPRINT_VERSION = 2;
const HEX_LENGTH = 16; // 64 bits: collisions between two states of one user are not a practical concern

/**
 * JSON with object keys sorted at every level; undefined properties are left out (undefined elsewhere
 * becomes null). Meant for plain data: strings, finite numbers, booleans, null, dense arrays, plain
 * objects. Plain loops rather than map/filter/join: the daily run calls this for every user.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Whether two plain values (as canonicalJson takes them: finite numbers, dense arrays) have the same
 * canonicalJson, without building either string: undefined properties count as absent, undefined and
 * null are alike elsewhere.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null)
    return (a === undefined || a === null) && (b === undefined || b === null);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ra) {
    if (!Object.hasOwn(ra, k) || ra[k] === undefined) continue;
    defined++;
    if (rb[k] === undefined || !Object.hasOwn(rb, k) || !sameData(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (Object.hasOwn(rb, k) && rb[k] !== undefined) defined--;
  return defined === 0;
}

/** sha256 in hex; the one-shot crypto.hash (Node ≥ 20.12) costs half of a Hash object per call. */
export const sha256Hex: (content: string) => string =
  typeof crypto.hash === 'function'
    ? (content) => crypto.hash('sha256', content, 'hex')
    : (content) => createHash('sha256').update(content, 'utf8').digest('hex');

/** Digest of an access map, sorted by location id (a planning step: engine/planning-cache.ts shares it). */
export function accessDigest(access: ReadonlyMap<string, Role>): string {
  const sorted = [...access].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Arrays of string pairs: JSON.stringify is canonical already, and much faster than canonicalJson.
  return sha256Hex(JSON.stringify(sorted));
}

/**
 * 16 hex chars of sha256 over the canonical form of user + a digest of the access (sorted by location
 * id) + default location. Independent of property and map insertion order. The content is
 * canonicalJson({ v, user, access, defaultLocationId }), spelled out with its keys in sorted order.
 * digest: accessDigest, or a memoised one (PlanningSteps.accessDigest) with the same answers.
 */
export function fingerprint(
  user: DesiredVisitorUser,
  ownedAccess: ReadonlyMap<string, Role>,
  defaultLocationId: string,
  digest: (access: ReadonlyMap<string, Role>) => string = accessDigest,
): string {
  const content =
    `{"access":${JSON.stringify(digest(ownedAccess))},` +
    `"defaultLocationId":${JSON.stringify(defaultLocationId)},` +
    `"user":${canonicalJson(user)},"v":${FINGERPRINT_VERSION}}`;
  return sha256Hex(content).slice(0, HEX_LENGTH);
}
