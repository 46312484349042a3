// The costly steps of planning one user, gathered so that a run can share them between users.
// The domain computes them afresh (plainSteps), which is the reference; engine/planning-cache.ts
// memoises the same functions by argument identity, which is what keeps 100k users against 500
// locations cheap. Every step is a pure function of its arguments, and its answers may be shared:
// treat them as read-only.
import { type AccessSteps, plainAccessSteps } from './access';
import { type AccessPlan, planAccessChanges } from './access-diff';
import { accessDigest } from './fingerprint';
import type { AccessMap, Role } from './types';

export interface PlanningSteps extends AccessSteps {
  /** A state's stored owned access as a map. */
  ownedMap: (record: Readonly<Record<string, Role>>) => ReadonlyMap<string, Role>;
  /** The locations of an owned-access map. */
  ownedSet: (owned: ReadonlyMap<string, Role>) => ReadonlySet<string>;
  /** planAccessChanges without Visitor's state: the owned-vs-desired diff. */
  plannedAccess: (owned: ReadonlyMap<string, Role>, desired: AccessMap) => AccessPlan;
  /** An access map as the record a state stores. */
  accessRecord: (access: ReadonlyMap<string, Role>) => Record<string, Role>;
  /** The access digest fingerprint() includes. */
  accessDigest: (access: ReadonlyMap<string, Role>) => string;
}

/** The reference: every step computed afresh, nothing shared between calls. */
export const plainSteps: PlanningSteps = {
  ...plainAccessSteps,
  ownedMap: (record) => new Map(Object.entries(record)),
  ownedSet: (owned) => new Set(owned.keys()),
  plannedAccess: (owned, desired) => planAccessChanges({ owned, desired }),
  accessRecord: (access) => Object.fromEntries(access),
  accessDigest,
};
