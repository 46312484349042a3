// The Visitor locations a run plans against: the default location, every location that exists, and
// the Engage → Visitor map. Read once per run and worker (cached), not once per page.
import { ApplicationFailure } from '@temporalio/common';
import { planContextDigest } from '../../domain/plan-input';
import type { SyncOptions } from '../../domain/types';
import type { SyncDeps } from './deps';

/** Visitor without a default location is a setup problem: fail the run, don't retry forever. */
export function noDefaultLocation(message: string): Error {
  return ApplicationFailure.nonRetryable(message, 'ConfigError');
}

export interface LocationContext {
  defaultLocationId: string;
  allVisitorLocationIds: string[];
  locationMap: Map<number, string>;
}

const TTL_MS = 5 * 60_000;
const cache = new Map<string, { at: number; value: Promise<LocationContext> }>();

export async function loadLocationContext(deps: SyncDeps): Promise<LocationContext> {
  const [locations, map] = await Promise.all([deps.visitor.listLocations(), deps.store.locationMap()]);
  const def = locations.find((l) => l.isDefault);
  if (!def)
    throw noDefaultLocation(
      'Visitor reports no default location: install the SCIM integration in a primary location',
    );
  const existing = new Set(locations.map((l) => l.id));
  const locationMap = new Map<number, string>();
  for (const [engageId, m] of map)
    if (m.status === 'linked' && existing.has(m.visitorId)) locationMap.set(engageId, m.visitorId);
  return {
    defaultLocationId: def.id,
    allVisitorLocationIds: locations.map((l) => l.id).sort(),
    locationMap,
  };
}

/** Per-run cache key: every page of a run sees the same locations. */
export function locationContextFor(deps: SyncDeps, key: string): Promise<LocationContext> {
  const now = Date.now();
  for (const [k, v] of cache) if (now - v.at > TTL_MS) cache.delete(k);
  const hit = cache.get(key);
  if (hit) return hit.value;
  const value = loadLocationContext(deps);
  value.catch(() => cache.delete(key));
  cache.set(key, { at: now, value });
  return value;
}

const digests = new WeakMap<LocationContext, { options: SyncOptions; digest: string }>();

/** The planning context's digest (domain/plan-input.ts), once per cached context and options. */
export function contextDigestOf(locations: LocationContext, options: SyncOptions): string {
  const hit = digests.get(locations);
  if (hit?.options === options) return hit.digest;
  const digest = planContextDigest({ ...locations, options });
  digests.set(locations, { options, digest });
  return digest;
}
