// The Visitor locations a run plans against: the default location, every location that exists, and
// the Engage → Visitor map. Read once per run and worker (cached), not once per page; per-user runs
// share one read per worker, re-read when a user's own data shows it is older than what they hold.
import { planContextDigest } from '../domain/plan-input';
import type { SyncOptions } from '../domain/types';
import { currentRequestContext, withRequestContext } from '../scim/request-context';
import type { Engine } from './engine';
import { noDefaultLocation } from './errors';
import type { EngineDeps, StoredUser } from './ports';
import type { TtlCache } from './ttl-cache';

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
  return engine.locationContexts.get(runId, () => shared(() => loadLocationContext(engine)));
}

/**
 * A read many callers await: run without the first caller's signal, so one cancelled activity does
 * not fail every other that waits for the same read (its lane stays).
 */
export function shared<T>(load: () => Promise<T>): Promise<T> {
  return withRequestContext({ lane: currentRequestContext().lane }, load);
}

/** The key of per-user runs' shared context in engine.locationContexts (no workflow id starts with NUL). */
const USER_RUNS_KEY = '\0user-runs#';
/** Bumped to drop the per-user context (TtlCache has no delete): the next key is read afresh. */
const generations = new WeakMap<TtlCache<LocationContext>, number>();
/** What a per-user context, read after a user's state, still lacked: gone, not a reason to read again. */
const knownAbsent = new WeakMap<LocationContext, Set<string>>();
/** The latest shared per-user read: what it lacked, and the context it was, are older than the next. */
const latest = new WeakMap<TtlCache<LocationContext>, LocationContext>();
const visitorIdSets = new WeakMap<LocationContext, ReadonlySet<string>>();

/** What a user's plan takes from the context besides the default location. */
export interface ContextNeeds {
  /** The user's stored state: the Visitor locations it owns, the context it was planned against. */
  state: Pick<StoredUser, 'ownedAccess' | 'planInput'> | null;
  /** Engage locations whose Visitor location the plan looks up (a location admin's, when that matters). */
  engageLocationIds: readonly number[];
}

/**
 * The context of per-user runs: one read per worker, shared by every per-user run for the bulk runs'
 * TTL, so a burst of them reads Visitor's locations about once per TTL instead of once per user.
 * Read after the user's state: when that state names what the shared read lacks, the read predates the
 * state (a location created or linked since, a context planned by a newer run) and would plan wrong
 * writes (ownedLocations drops an owned location missing from the list, the access diff removes it):
 * it is dropped and read again, for every per-user run of this worker. What the new read still lacks is
 * gone (a deleted location, an older context), and re-reads no more for that context.
 */
export async function userRunLocationContext(engine: Engine, needs: ContextNeeds): Promise<LocationContext> {
  const cache = engine.locationContexts;
  const generation = generations.get(cache) ?? 0;
  const cached = await cache.get(USER_RUNS_KEY + generation, () => shared(() => loadShared(engine)));
  if (lacking(cached, needs, engine.settings.options).length === 0) return cached;
  // Another run may have dropped it already: its read began after our state was read, so it serves us.
  if ((generations.get(cache) ?? 0) === generation) generations.set(cache, generation + 1);
  const fresh = await cache.get(USER_RUNS_KEY + generations.get(cache), () =>
    shared(() => loadShared(engine)),
  );
  const still = lacking(fresh, needs, engine.settings.options);
  if (still.length > 0) {
    const absent = knownAbsent.get(fresh) ?? new Set<string>();
    for (const r of still) absent.add(r);
    knownAbsent.set(fresh, absent);
  }
  return fresh;
}

/** A new shared read: states planned against the one before (this worker's per-user runs) are older. */
async function loadShared(engine: Engine): Promise<LocationContext> {
  const before = latest.get(engine.locationContexts);
  const ctx = await loadLocationContext(engine);
  if (before) {
    const absent = new Set(knownAbsent.get(before));
    const digest = contextDigestOf(before, engine.settings.options);
    // Grows only when the context changes (a location created, deleted or linked): a few a day.
    if (digest !== contextDigestOf(ctx, engine.settings.options)) absent.add(`context:${digest}`);
    if (absent.size > 0) knownAbsent.set(ctx, absent);
  }
  latest.set(engine.locationContexts, ctx);
  return ctx;
}

/** What the user's data names that this context lacks and is not known to be gone from it. */
function lacking(ctx: LocationContext, needs: ContextNeeds, options: SyncOptions): string[] {
  let ids = visitorIdSets.get(ctx);
  if (ids === undefined) {
    ids = new Set(ctx.allVisitorLocationIds);
    visitorIdSets.set(ctx, ids);
  }
  const out: string[] = [];
  for (const id of Object.keys(needs.state?.ownedAccess ?? {})) if (!ids.has(id)) out.push(`visitor:${id}`);
  for (const id of needs.engageLocationIds) if (!ctx.locationMap.has(id)) out.push(`engage:${id}`);
  // A vouched plan input starts with the digest of the context it was planned against (planInputOf).
  const planned = needs.state?.planInput?.split(':')[0];
  if (planned && planned !== contextDigestOf(ctx, options)) out.push(`context:${planned}`);
  const absent = knownAbsent.get(ctx);
  return absent ? out.filter((r) => !absent.has(r)) : out;
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
