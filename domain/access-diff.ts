// Turns owned / desired / actual access into the smallest set of Visitor changes, touching only what the
// sync owns.
import type { AccessMap, Role } from './types';

export interface AccessChange {
  locationId: string;
  role: Role;
}

export interface AccessPlan {
  /** Access to create (the user has none at that location, as far as the sync knows). */
  add: AccessChange[];
  /** Existing access whose role must change. */
  setRole: AccessChange[];
  /** Locations whose access must be removed. */
  remove: string[];
  /** What the sync owns once these changes are applied; persist it. */
  nextOwned: AccessMap;
}

export interface AccessDiffInput {
  /** What the sync last wrote. */
  owned: ReadonlyMap<string, Role>;
  desired: ReadonlyMap<string, Role>;
  /** Visitor's current access; only known in a full reconcile. */
  actual?: ReadonlyMap<string, Role>;
}

/**
 * Invariant: nextOwned equals desired — after the changes the sync owns exactly what it wants.
 * Without actual: plain owned-vs-desired diff.
 * With actual (full reconcile): work from what Visitor really has — restore owned access removed by hand,
 * correct owned roles edited by hand, drop owned entries already gone — with one exception: an admin
 * Visitor shows where the sync owns (or wants) only regular was granted by a superuser and is never
 * demoted or removed. Access the sync does not own and does not want is never touched.
 */
export function planAccessChanges(input: AccessDiffInput): AccessPlan {
  return input.actual === undefined
    ? diffOwned(input.owned, input.desired)
    : diffActual(input.owned, input.desired, input.actual);
}

function diffOwned(owned: ReadonlyMap<string, Role>, desired: ReadonlyMap<string, Role>): AccessPlan {
  const plan = emptyPlan(desired);
  for (const [locationId, role] of desired) {
    const had = owned.get(locationId);
    if (had === undefined) plan.add.push({ locationId, role });
    else if (had !== role) plan.setRole.push({ locationId, role });
  }
  for (const locationId of owned.keys()) {
    if (!desired.has(locationId)) plan.remove.push(locationId);
  }
  return plan;
}

function diffActual(
  owned: ReadonlyMap<string, Role>,
  desired: ReadonlyMap<string, Role>,
  actual: ReadonlyMap<string, Role>,
): AccessPlan {
  const plan = emptyPlan(desired);
  for (const [locationId, role] of desired) {
    const present = actual.get(locationId);
    if (present === undefined) plan.add.push({ locationId, role });
    else if (present === role) continue;
    else if (isHandGrantedAdmin(present, owned.get(locationId))) continue;
    else plan.setRole.push({ locationId, role });
  }
  for (const [locationId, had] of owned) {
    if (desired.has(locationId)) continue;
    const present = actual.get(locationId);
    // Already gone, or an admin a superuser put over our regular: let go of it without a call.
    if (present === undefined || isHandGrantedAdmin(present, had)) continue;
    plan.remove.push(locationId);
  }
  return plan;
}

/** Visitor shows admin but the sync never wrote admin there: a superuser granted it. */
function isHandGrantedAdmin(present: Role, owned: Role | undefined): boolean {
  return present === 'admin' && owned !== 'admin';
}

function emptyPlan(desired: ReadonlyMap<string, Role>): AccessPlan {
  return { add: [], setRole: [], remove: [], nextOwned: new Map(desired) };
}
