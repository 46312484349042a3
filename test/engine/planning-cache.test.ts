// The engine's planning cache shares what users have in common (location sets, access maps, access
// plans, stored records) instead of rebuilding 500-entry structures per user — and still gives every
// user the same answer as the domain's plain planner, which shares nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredAccess, eligibleLocations } from '../../domain/access';
import { type PlanContext, type PlanUserInput, planUser, type UserPlan } from '../../domain/plan-user';
import type { Role, SyncUserState } from '../../domain/types';
import { createPlanningCache } from '../../engine/planning-cache';
import { defaultOptions, engageUser } from '../domain/fixtures';
import { corpusInputs, plainData } from '../domain/plan-corpus';

const ids = Array.from({ length: 500 }, (_, i) => `loc-${String(i).padStart(3, '0')}`);
const ctx: PlanContext = {
  defaultLocationId: 'loc-000',
  allVisitorLocationIds: ids,
  locationMap: new Map([
    [1, 'loc-001'],
    [2, 'loc-002'],
  ]),
  options: defaultOptions,
};
const eligibility = {
  owned: null,
  allVisitorLocationIds: ids,
  defaultLocationId: 'loc-000',
  options: defaultOptions,
};

/** The plain planner's answer for the same input. */
function assertSameAsPlain(plan: UserPlan, input: PlanUserInput, message?: string) {
  assert.deepEqual(plainData(plan), plainData(planUser(input)), message);
}

describe('planning cache: shared answers', () => {
  it('new users share one eligible set and one access map per admin scope', () => {
    const cache = createPlanningCache();
    const e1 = eligibleLocations(eligibility, cache);
    assert.equal(eligibleLocations({ ...eligibility }, cache), e1);
    assert.equal(e1.size, 500);
    const input = {
      administeredLocationIds: [2],
      defaultLocationId: 'loc-000',
      eligible: e1,
      locationMap: ctx.locationMap,
      options: defaultOptions,
    };
    const regular = desiredAccess({ ...input, userType: 'regular' }, cache);
    assert.equal(desiredAccess({ ...input, userType: 'regular' }, cache), regular);
    assert.equal(desiredAccess({ ...input, userType: 'vendor' }, cache), regular, 'same access, same map');
    assert.equal(desiredAccess({ ...input, userType: 'location_admin' }, cache), regular, 'option off');
    const admin = desiredAccess({ ...input, userType: 'global_admin' }, cache);
    assert.equal(desiredAccess({ ...input, userType: 'global_admin' }, cache), admin);
    assert.notEqual(admin, regular);
    assert.equal(admin.get('loc-000'), 'admin');
    assert.equal(regular.get('loc-000'), 'regular');
    const options = { ...defaultOptions, locationAdminsAdministerTheirLocations: true };
    const own = desiredAccess({ ...input, userType: 'location_admin', options }, cache);
    assert.equal(desiredAccess({ ...input, userType: 'location_admin', options }, cache), own);
    assert.equal(
      desiredAccess(
        { ...input, userType: 'location_admin', administeredLocationIds: [1], options },
        cache,
      ) === own,
      false,
      'keyed by the locations administered',
    );
    assert.equal(own.get('loc-002'), 'admin');
    for (const [access, plain] of [
      [regular, desiredAccess({ ...input, userType: 'regular' })],
      [admin, desiredAccess({ ...input, userType: 'global_admin' })],
      [own, desiredAccess({ ...input, userType: 'location_admin', options })],
    ] as const)
      assert.deepEqual([...access], [...plain]);
  });

  it('each cache is its own, and the plain steps share nothing', () => {
    const cache = createPlanningCache();
    assert.notEqual(
      eligibleLocations(eligibility, createPlanningCache()),
      eligibleLocations(eligibility, cache),
    );
    const plain = eligibleLocations(eligibility);
    assert.notEqual(eligibleLocations(eligibility), plain);
    assert.deepEqual(plain, eligibleLocations(eligibility, cache));
    const created = [1, 2].map((id) => planUser({ engage: engageUser({ id }), state: null, ctx }));
    const [a, b] = created.map((p) => (p.kind === 'create' ? p : assert.fail(p.kind)));
    assert.notEqual(a!.access, b!.access);
    assert.notEqual(a!.nextState.ownedAccess, b!.nextState.ownedAccess);
  });

  it('users whose stored access is the same record plan against shared structures, with per-user answers', () => {
    const cache = createPlanningCache();
    const createInput = { engage: engageUser({ id: 1 }), state: null, ctx };
    const created = planUser(createInput, cache);
    assertSameAsPlain(created, createInput);
    const other = planUser({ engage: engageUser({ id: 3 }), state: null, ctx }, cache);
    assert.equal(created.kind, 'create');
    assert.equal(other.kind, 'create');
    if (created.kind !== 'create' || other.kind !== 'create') return;
    assert.equal(other.access, created.access, 'one access map for both');
    assert.equal(other.nextState.ownedAccess, created.nextState.ownedAccess, 'one stored record for both');
    const owned = created.nextState.ownedAccess;
    assert.equal(cache.ownedMap(owned), created.access, 'the stored record maps back to the planned map');
    const stateOf = (id: number, fp: string): SyncUserState => ({
      ...created.nextState,
      engageUserId: id,
      visitorUserId: `v${id}`,
      fingerprint: fp,
    });
    // Users share the stored record; one is unchanged, two were promoted in Engage.
    const sameInput = { engage: engageUser({ id: 1 }), state: stateOf(1, created.fingerprint), ctx };
    const same = planUser(sameInput, cache);
    assert.deepEqual([same.kind, same.kind === 'skip' ? same.reason : ''], ['skip', 'unchanged']);
    assertSameAsPlain(same, sameInput);
    const promotedInput = (id: number) => ({
      engage: engageUser({ id, userType: 'global_admin' }),
      state: stateOf(id, created.fingerprint),
      ctx,
    });
    const promoted = planUser(promotedInput(2), cache);
    const promotedToo = planUser(promotedInput(4), cache);
    assertSameAsPlain(promoted, promotedInput(2));
    assertSameAsPlain(promotedToo, promotedInput(4));
    assert.equal(promoted.kind, 'update');
    assert.equal(promotedToo.kind, 'update');
    if (promoted.kind !== 'update' || promotedToo.kind !== 'update') return;
    assert.equal(promotedToo.access, promoted.access, 'one access plan for both');
    assert.equal(promotedToo.nextState.ownedAccess, promoted.nextState.ownedAccess);
    assert.notEqual(promotedToo.nextState, promoted.nextState, 'each user has its own state');
    assert.equal(promotedToo.nextState.engageUserId, 4);
    assert.deepEqual(promoted.access.setRole, [{ locationId: 'loc-000', role: 'admin' }]);
    assert.equal(promoted.access.add.length + promoted.access.remove.length, 0);
    assert.equal(owned['loc-000'], 'regular', 'the shared record was not mutated');
    assert.equal(created.access.get('loc-000'), 'regular', 'the shared map was not mutated');
  });
});

describe('planning cache: the same plans as the plain planner', () => {
  /**
   * The RULES_VERSION corpus, and on top of it every linked input again: with its stored record
   * shared by content (as the state store loads it), against a location list with one more and one
   * fewer location, and in a full reconcile against Visitor's copy as planned, drifted by hand
   * (attributes, a hand-granted admin, a removed location), deactivated and deleted.
   */
  function variedInputs(): PlanUserInput[] {
    const base = corpusInputs();
    const records = new Map<string, Record<string, Role>>();
    const shared = (record: Record<string, Role>) => {
      const key = JSON.stringify(Object.entries(record).sort());
      if (!records.has(key)) records.set(key, { ...record });
      return records.get(key)!;
    };
    const inputs = [...base];
    for (const input of base) {
      const { state, ctx, engage } = input;
      if (state === null) continue;
      const ids = ctx.allVisitorLocationIds;
      const owned = new Map(Object.entries(state.ownedAccess));
      const firstOther = ids.find((id) => id !== ctx.defaultLocationId)!;
      const handAdmin = new Map(owned).set(firstOther, 'admin');
      const removed = new Map(owned);
      removed.delete(firstOther);
      const user = {
        userName: state.userName,
        name: { givenName: state.attributes.givenName, familyName: state.attributes.familyName },
        emails: [{ value: state.attributes.email, type: 'work', primary: true }],
        title: state.attributes.title ?? null,
        sso: state.attributes.sso,
      };
      inputs.push(
        { engage, state: { ...state, ownedAccess: shared(state.ownedAccess) }, ctx },
        { engage, state, ctx: { ...ctx, allVisitorLocationIds: [...ids, 'loc-new'] } },
        { engage, state, ctx: { ...ctx, allVisitorLocationIds: ids.filter((id) => id !== firstOther) } },
        { engage, state, ctx: { ...ctx, visitorActual: { user, active: true, access: owned } } },
        {
          engage,
          state,
          ctx: {
            ...ctx,
            visitorActual: { user: { ...user, title: 'By hand' }, active: true, access: handAdmin },
          },
        },
        { engage, state, ctx: { ...ctx, visitorActual: { user, active: false, access: removed } } },
        { engage, state, ctx: { ...ctx, visitorActual: { user: null, access: new Map() } } },
        {
          engage,
          state,
          ctx: {
            ...ctx,
            identityConflict: { engageUserId: state.engageUserId, outcome: 'fails', conflictingWith: [1] },
          },
        },
      );
    }
    return inputs;
  }

  it('plans every input of a varied corpus as the plain planner does, also from a warm cache', () => {
    const inputs = variedInputs();
    assert.ok(inputs.length > 500, `${inputs.length} inputs`);
    const before = plainData(inputs);
    const plain = inputs.map((input) => plainData(planUser(input)));
    const kinds = new Set(plain.map((p) => (p as { kind: string }).kind));
    assert.deepEqual([...kinds].sort(), [
      'create',
      'deactivate',
      'delete',
      'fail',
      'reactivate',
      'skip',
      'update',
    ]);

    const cache = createPlanningCache();
    for (const pass of ['cold', 'warm']) {
      inputs.forEach((input, i) => {
        assert.deepEqual(plainData(planUser(input, cache)), plain[i], `${pass} cache, input ${i}`);
      });
    }
    const reversed = createPlanningCache();
    for (let i = inputs.length - 1; i >= 0; i--)
      assert.deepEqual(plainData(planUser(inputs[i]!, reversed)), plain[i], `reverse order, input ${i}`);
    assert.deepEqual(plainData(inputs), before, 'no input was changed');
  });

  it('shares plans between users of a corpus where the plain planner shares nothing', () => {
    const cache = createPlanningCache();
    const creates = corpusInputs().filter((input) => input.state === null);
    const maps = (plans: UserPlan[]) => plans.flatMap((p) => (p.kind === 'create' ? [p.access] : []));
    const cached = maps(creates.map((input) => planUser(input, cache)));
    const plain = maps(creates.map((input) => planUser(input)));
    assert.equal(cached.length, 30);
    assert.equal(new Set(plain).size, 30, 'a map per user');
    // Regular, global admin, and (options on) the location admin's own and the country admin's own:
    // the same in both option sets.
    assert.equal(new Set(cached).size, 4);
  });
});
