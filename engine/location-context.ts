// The Visitor locations a run plans against: the default location, every location that exists, and
// the Engage → Visitor map. Read once per run and worker (cached), not once per page.
import { planContextDigest } from '../domain/plan-input';
import type { SyncOptions } from '../domain/types';
import type { Engine } from './engine';
import { noDefaultLocation } from './errors';
import type { EngineDeps } from './ports';

export interface LocationContext {
  defaultLocationId: string;
  allVisitorLocationIds: string[];
  locationMap: Map<number, string>;
}

export async function loadLocationContext(
  deps: Pick<EngineDeps, 'visitor' | 'store'>,
): Promise<LocationContext> {
  const [locations, map] = await Promise.all([deps.visitor.listLocations(), deps.store.locationMap()]);
  const def = locations.find((l) => l.isDefault);
  if (!def) throw noDefaultLocation();
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

/** The same context object for every page of a run (planning shares structures by identity). */
export function locationContextFor(engine: Engine, runId: string): Promise<LocationContext> {
  return engine.locationContexts.get(runId, () => loadLocationContext(engine));
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
