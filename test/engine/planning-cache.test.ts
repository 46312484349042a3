// Planning shares what users have in common (location sets, access maps, access plans) instead of
// rebuilding 500-entry structures per user — and still gives every user the same answer as alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredAccess, eligibleLocations } from '../../domain/access';
import { type PlanContext, planUser } from '../../domain/plan-user';
import type { SyncUserState } from '../../domain/types';
import { defaultOptions, engageUser } from './fixtures';

const ids = Array.from({ length: 500 }, (_, i) => `loc-${String(i).padStart(3, '0')}`);
const ctx: PlanContext = {
  defaultLocationId: 'loc-000',
  allVisitorLocationIds: ids,
  locationMap: new Map(),
  options: defaultOptions,
};

describe('shared planning', () => {
  it('new users share one eligible set and one access map per role', () => {
    const e1 = eligibleLocations({
      owned: null,
      allVisitorLocationIds: ids,
      defaultLocationId: 'loc-000',
      options: defaultOptions,
    });
    const e2 = eligibleLocations({
      owned: null,
      allVisitorLocationIds: ids,
      defaultLocationId: 'loc-000',
      options: defaultOptions,
    });
    assert.equal(e1, e2);
    assert.equal(e1.size, 500);
    const input = {
      administeredLocationIds: [],
      defaultLocationId: 'loc-000',
      eligible: e1,
      locationMap: ctx.locationMap,
      options: defaultOptions,
    };
    const regular = desiredAccess({ ...input, userType: 'regular' });
    assert.equal(desiredAccess({ ...input, userType: 'vendor' }) === regular, false, 'keyed by user type');
    assert.equal(desiredAccess({ ...input, userType: 'regular' }), regular);
    const admin = desiredAccess({ ...input, userType: 'global_admin' });
    assert.equal(admin.get('loc-000'), 'admin');
    assert.equal(regular.get('loc-000'), 'regular');
  });

  it('users whose stored access is the same record plan against shared structures, with per-user answers', () => {
    const created = planUser({ engage: engageUser({ id: 1 }), state: null, ctx });
    assert.equal(created.kind, 'create');
    if (created.kind !== 'create') return;
    const owned = created.nextState.ownedAccess;
    const stateOf = (id: number, fp: string): SyncUserState => ({
      ...created.nextState,
      engageUserId: id,
      visitorUserId: `v${id}`,
      fingerprint: fp,
    });
    // Two users share the stored record; one is unchanged, one was promoted in Engage.
    const same = planUser({ engage: engageUser({ id: 1 }), state: stateOf(1, created.fingerprint), ctx });
    assert.deepEqual([same.kind, same.kind === 'skip' ? same.reason : ''], ['skip', 'unchanged']);
    const promoted = planUser({
      engage: engageUser({ id: 2, userType: 'global_admin' }),
      state: stateOf(2, created.fingerprint),
      ctx,
    });
    assert.equal(promoted.kind, 'update');
    if (promoted.kind !== 'update') return;
    assert.deepEqual(promoted.access.setRole, [{ locationId: 'loc-000', role: 'admin' }]);
    assert.equal(promoted.access.add.length + promoted.access.remove.length, 0);
    assert.equal(owned['loc-000'], 'regular', 'the shared record was not mutated');
  });
});
