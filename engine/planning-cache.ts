// The one place planning memoises. A run plans thousands of users against one location list, and
// almost all of them share a handful of access maps: the domain's planning steps (pure functions of
// their arguments, domain/planning-steps.ts) are computed here once per distinct argument object,
// keyed by identity, so users that share inputs share answers — sets, maps, plans, records, digests.
// That only pays while every layer hands on the same objects: the state store shares one owned-access
// record per distinct content, and the maps and records planned here go on to the wire
// (engine/visitor-mapping.ts) and back into states. Answers are shared: callers treat them as
// read-only. Keys are held weakly, so entries die with the objects they were computed from; one cache
// may serve a whole worker.
import type { AccessPlan } from '../domain/access-diff';
import { type PlanningSteps, plainSteps } from '../domain/planning-steps';
import type { AccessMap, Role } from '../domain/types';

type Owned = ReadonlyMap<string, Role>;
type Ids = readonly string[];
type Locations = ReadonlySet<string>;

/** Planning steps with the same answers as plainSteps, each computed once per distinct argument. */
export function createPlanningCache(): PlanningSteps {
  // Keyed by location list, then default location.
  const allSets = new WeakMap<Ids, Map<string, Locations>>();
  // Keyed by owned set, location list, then default location.
  const ownedSets = new WeakMap<Locations, WeakMap<Ids, Map<string, Locations>>>();
  // Keyed by eligible set, then default location and admin locations.
  const accessMaps = new WeakMap<Locations, Map<string, AccessMap>>();
  const ownedMaps = new WeakMap<Readonly<Record<string, Role>>, Owned>();
  const ownedKeys = new WeakMap<Owned, Locations>();
  const plans = new WeakMap<Owned, WeakMap<AccessMap, AccessPlan>>();
  const records = new WeakMap<Owned, Record<string, Role>>();
  const digests = new WeakMap<Owned, string>();

  return {
    allLocations(ids, defaultLocationId) {
      const byDefault = mapUnder(allSets, ids);
      let set = byDefault.get(defaultLocationId);
      if (set === undefined) {
        set = plainSteps.allLocations(ids, defaultLocationId);
        byDefault.set(defaultLocationId, set);
      }
      return set;
    },
    ownedLocations(owned, ids, defaultLocationId) {
      const byDefault = mapUnder(weakMapUnder(ownedSets, owned), ids);
      let set = byDefault.get(defaultLocationId);
      if (set === undefined) {
        set = plainSteps.ownedLocations(owned, ids, defaultLocationId);
        byDefault.set(defaultLocationId, set);
      }
      return set;
    },
    accessMap(eligible, defaultLocationId, adminAt) {
      const byKey = mapUnder(accessMaps, eligible);
      // Location ids hold no NUL, so the key tells every (default, adminAt) apart.
      const key = adminAt.length === 0 ? defaultLocationId : `${defaultLocationId}\0${adminAt.join('\0')}`;
      let map = byKey.get(key);
      if (map === undefined) {
        map = plainSteps.accessMap(eligible, defaultLocationId, adminAt);
        byKey.set(key, map);
      }
      return map;
    },
    ownedMap(record) {
      let map = ownedMaps.get(record);
      if (map === undefined) {
        map = plainSteps.ownedMap(record);
        ownedMaps.set(record, map);
      }
      return map;
    },
    ownedSet(owned) {
      let set = ownedKeys.get(owned);
      if (set === undefined) {
        set = plainSteps.ownedSet(owned);
        ownedKeys.set(owned, set);
      }
      return set;
    },
    plannedAccess(owned, desired) {
      const byDesired = weakMapUnder(plans, owned);
      let plan = byDesired.get(desired);
      if (plan === undefined) {
        plan = plainSteps.plannedAccess(owned, desired);
        byDesired.set(desired, plan);
      }
      return plan;
    },
    accessRecord(access) {
      let record = records.get(access);
      if (record === undefined) {
        record = plainSteps.accessRecord(access);
        records.set(access, record);
        // The record goes into a state: planning that state again starts from this map.
        ownedMaps.set(record, access);
      }
      return record;
    },
    accessDigest(access) {
      let digest = digests.get(access);
      if (digest === undefined) {
        digest = plainSteps.accessDigest(access);
        digests.set(access, digest);
      }
      return digest;
    },
  };
}

/** The map under key in outer, made on first use. */
function mapUnder<K extends object, V>(outer: WeakMap<K, Map<string, V>>, key: K): Map<string, V> {
  let m = outer.get(key);
  if (m === undefined) {
    m = new Map();
    outer.set(key, m);
  }
  return m;
}

/** The weak map under key in outer, made on first use. */
function weakMapUnder<K extends object, K2 extends object, V>(
  outer: WeakMap<K, WeakMap<K2, V>>,
  key: K,
): WeakMap<K2, V> {
  let m = outer.get(key);
  if (m === undefined) {
    m = new WeakMap();
    outer.set(key, m);
  }
  return m;
}
