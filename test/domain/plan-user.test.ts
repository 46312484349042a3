import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PlanContext, planUser, type UserPlan } from '../../domain/plan-user';
import { type PlanningSteps, plainSteps } from '../../domain/planning-steps';
import type { EngageUser, Role, SyncOptions, SyncUserState } from '../../domain/types';
import { defaultOptions, engageUser } from './fixtures';

const DEFAULT = 'v-default';
const LOCATIONS = [DEFAULT, 'v-a', 'v-b'];

function ctx(overrides: Partial<PlanContext> = {}, options: Partial<SyncOptions> = {}): PlanContext {
  return {
    defaultLocationId: DEFAULT,
    allVisitorLocationIds: LOCATIONS,
    locationMap: new Map([
      [1, DEFAULT],
      [2, 'v-a'],
      [3, 'v-b'],
    ]),
    options: { ...defaultOptions, ...options },
    ...overrides,
  };
}

/** The state the sync holds after successfully creating this user. */
function provisioned(engage: EngageUser, context: PlanContext = ctx()): SyncUserState {
  const plan = planUser({ engage, state: null, ctx: context });
  assert.equal(plan.kind, 'create');
  if (plan.kind !== 'create') throw new Error('unreachable');
  return { ...plan.nextState, visitorUserId: 'visitor-42' };
}

function expectKind<K extends UserPlan['kind']>(plan: UserPlan, kind: K): Extract<UserPlan, { kind: K }> {
  assert.equal(plan.kind, kind, JSON.stringify(plan));
  return plan as Extract<UserPlan, { kind: K }>;
}

const accessOf = (entries: Record<string, Role>) => new Map(Object.entries(entries));

describe('planUser: create', () => {
  const cases: [name: string, engage: EngageUser, access: Record<string, Role>][] = [
    [
      'global admin: admin at default, regular elsewhere',
      engageUser({ userType: 'global_admin' }),
      { [DEFAULT]: 'admin', 'v-a': 'regular', 'v-b': 'regular' },
    ],
    [
      'location admin: regular everywhere',
      engageUser({ userType: 'location_admin', administeredLocationIds: [2] }),
      { [DEFAULT]: 'regular', 'v-a': 'regular', 'v-b': 'regular' },
    ],
    ['regular user', engageUser(), { [DEFAULT]: 'regular', 'v-a': 'regular', 'v-b': 'regular' }],
    [
      'vendor is provisioned too',
      engageUser({ userType: 'vendor' }),
      { [DEFAULT]: 'regular', 'v-a': 'regular', 'v-b': 'regular' },
    ],
  ];
  for (const [name, engage, access] of cases) {
    it(name, () => {
      const plan = expectKind(planUser({ engage, state: null, ctx: ctx() }), 'create');
      assert.deepEqual(Object.fromEntries(plan.access), access);
      assert.equal(plan.user.userName, 'ada.lovelace@example.com');
      assert.deepEqual(plan.nextState.ownedAccess, access);
      assert.equal(plan.nextState.visitorUserId, null);
      assert.equal(plan.nextState.fingerprint, plan.fingerprint);
    });
  }

  it('location admin with the option on: admin where they administer', () => {
    const engage = engageUser({ userType: 'location_admin', administeredLocationIds: [2] });
    const plan = expectKind(
      planUser({ engage, state: null, ctx: ctx({}, { locationAdminsAdministerTheirLocations: true }) }),
      'create',
    );
    assert.deepEqual(Object.fromEntries(plan.access), {
      [DEFAULT]: 'regular',
      'v-a': 'admin',
      'v-b': 'regular',
    });
  });

  it('a state that was never linked (create failed before) creates again', () => {
    const state = { ...provisioned(engageUser()), visitorUserId: null };
    expectKind(planUser({ engage: engageUser(), state, ctx: ctx() }), 'create');
  });

  it('a new user gets a location created today; an existing one does not', () => {
    const later = ctx({ allVisitorLocationIds: [...LOCATIONS, 'v-new'] });
    const created = expectKind(
      planUser({ engage: engageUser({ id: 7 }), state: null, ctx: later }),
      'create',
    );
    assert.equal(created.access.get('v-new'), 'regular');
    const existing = planUser({ engage: engageUser(), state: provisioned(engageUser()), ctx: later });
    assert.deepEqual(existing, { kind: 'skip', engageUserId: 42, reason: 'unchanged', nextState: null });
  });
});

describe('planUser: warnings', () => {
  it('a 300-char given name is created shortened, the plan warning about the field', () => {
    const engage = engageUser({ givenName: 'x'.repeat(300) });
    const plan = expectKind(planUser({ engage, state: null, ctx: ctx() }), 'create');
    assert.equal(plan.user.givenName, 'x'.repeat(255));
    assert.deepEqual(
      plan.warnings?.map((w) => [w.code, w.attribute]),
      [['value_shortened', 'name.givenName']],
    );
  });

  it('the shortened value is stable: planned again, the user is unchanged', () => {
    const engage = engageUser({ givenName: 'x'.repeat(300), familyName: 'Doe\u202E' });
    const plan = planUser({ engage, state: provisioned(engage), ctx: ctx() });
    assert.equal(plan.kind, 'skip');
    assert.equal(plan.kind === 'skip' && plan.reason, 'unchanged');
  });

  it('an update carries the warnings of what it writes', () => {
    const state = provisioned(engageUser());
    const plan = expectKind(
      planUser({ engage: engageUser({ jobTitle: 'Head of\r\nBcc: x@y.example' }), state, ctx: ctx() }),
      'update',
    );
    assert.deepEqual(
      plan.attributes.map((a) => [a.attribute, a.value]),
      [['title', 'Head of Bcc: x@y.example']],
    );
    assert.deepEqual(
      plan.warnings?.map((w) => [w.code, w.attribute]),
      [['characters_removed', 'title']],
    );
  });

  it('a user type the sync does not know is created as a regular user with a warning, never failed', () => {
    const engage = engageUser({ userType: 'super_admin', administeredLocationIds: [2] });
    const options = {
      locationAdminsAdministerTheirLocations: true,
      countryAdminsAdministerTheirCountries: true,
    };
    const plan = expectKind(planUser({ engage, state: null, ctx: ctx({}, options) }), 'create');
    assert.deepEqual(Object.fromEntries(plan.access), {
      [DEFAULT]: 'regular',
      'v-a': 'regular',
      'v-b': 'regular',
    });
    assert.deepEqual(
      plan.warnings?.map((w) => [w.code, w.attribute]),
      [['unknown_user_type', 'userType']],
    );
    assert.match(plan.warnings?.[0]?.message ?? '', /super_admin/);
  });

  it('a clean user of a known type has no warnings key at all', () => {
    for (const userType of ['regular', 'country_admin', 'group_admin', 'video_admin']) {
      const plan = expectKind(
        planUser({ engage: engageUser({ userType }), state: null, ctx: ctx() }),
        'create',
      );
      assert.equal(Object.hasOwn(plan, 'warnings'), false, userType);
    }
  });
});

describe('planUser: country admins', () => {
  const engage = engageUser({
    userType: 'country_admin',
    administeredCountries: ['FR'],
    administeredCountryLocationIds: [2, 3],
  });

  it("regular everywhere by default, as Eptura's process says", () => {
    const plan = expectKind(planUser({ engage, state: null, ctx: ctx() }), 'create');
    assert.deepEqual(Object.fromEntries(plan.access), {
      [DEFAULT]: 'regular',
      'v-a': 'regular',
      'v-b': 'regular',
    });
  });

  it('with the option on: admin at the locations of their countries', () => {
    const on = ctx({}, { countryAdminsAdministerTheirCountries: true });
    const plan = expectKind(planUser({ engage, state: null, ctx: on }), 'create');
    assert.deepEqual(Object.fromEntries(plan.access), {
      [DEFAULT]: 'regular',
      'v-a': 'admin',
      'v-b': 'admin',
    });
    // A country dropped in Engage: the admin rights the sync granted there are taken back.
    const state = { ...plan.nextState, visitorUserId: 'visitor-42' };
    const fewer = { ...engage, administeredCountryLocationIds: [2] };
    const update = expectKind(planUser({ engage: fewer, state, ctx: on }), 'update');
    assert.deepEqual(update.access.setRole, [{ locationId: 'v-b', role: 'regular' }]);
  });
});

describe('planUser: update', () => {
  it('unchanged user costs nothing', () => {
    const engage = engageUser();
    const plan = planUser({ engage, state: provisioned(engage), ctx: ctx() });
    assert.deepEqual(plan, { kind: 'skip', engageUserId: 42, reason: 'unchanged', nextState: null });
  });

  it('promotion to global admin sets admin at the default location only', () => {
    const state = provisioned(engageUser());
    const plan = expectKind(
      planUser({ engage: engageUser({ userType: 'global_admin' }), state, ctx: ctx() }),
      'update',
    );
    assert.deepEqual(plan.attributes, []);
    assert.deepEqual(plan.access.setRole, [{ locationId: DEFAULT, role: 'admin' }]);
    assert.deepEqual([plan.access.add, plan.access.remove], [[], []]);
    assert.equal(plan.nextState.ownedAccess[DEFAULT], 'admin');
    assert.notEqual(plan.fingerprint, state.fingerprint);
  });

  it('demotion from global admin sets regular at the default location', () => {
    const state = provisioned(engageUser({ userType: 'global_admin' }));
    const plan = expectKind(
      planUser({ engage: engageUser({ userType: 'vendor' }), state, ctx: ctx() }),
      'update',
    );
    assert.deepEqual(plan.access.setRole, [{ locationId: DEFAULT, role: 'regular' }]);
  });

  it('new location with grantNewLocationsToExistingUsers on is added', () => {
    const state = provisioned(engageUser());
    const plan = expectKind(
      planUser({
        engage: engageUser(),
        state,
        ctx: ctx(
          { allVisitorLocationIds: [...LOCATIONS, 'v-new'] },
          { grantNewLocationsToExistingUsers: true },
        ),
      }),
      'update',
    );
    assert.deepEqual(plan.access.add, [{ locationId: 'v-new', role: 'regular' }]);
    assert.equal(plan.nextState.ownedAccess['v-new'], 'regular');
  });

  it('e-mail change is an update of userName and emails, not delete/create', () => {
    const state = provisioned(engageUser());
    const engage = engageUser({ username: 'ada.king@example.com' });
    const plan = expectKind(planUser({ engage, state, ctx: ctx() }), 'update');
    assert.equal(plan.visitorUserId, 'visitor-42');
    assert.deepEqual(plan.attributes, [
      { attribute: 'userName', value: 'ada.king@example.com' },
      { attribute: 'emails', value: 'ada.king@example.com' },
    ]);
    assert.equal(plan.nextState.userName, 'ada.king@example.com');
  });

  it('a phone changed to a local format is removed, not guessed', () => {
    const state = provisioned(engageUser());
    const plan = expectKind(
      planUser({ engage: engageUser({ mobilePhone: '07700 900123' }), state, ctx: ctx() }),
      'update',
    );
    assert.deepEqual(plan.attributes, [{ attribute: 'phoneNumbers.mobile', value: null }]);
  });

  it('a location removed from Visitor drops out of what the sync owns', () => {
    const state = provisioned(engageUser());
    const plan = expectKind(
      planUser({ engage: engageUser(), state, ctx: ctx({ allVisitorLocationIds: [DEFAULT, 'v-a'] }) }),
      'update',
    );
    assert.deepEqual(plan.access.remove, ['v-b']);
    assert.equal(Object.hasOwn(plan.nextState.ownedAccess, 'v-b'), false);
  });
});

describe('planUser: full reconcile', () => {
  const engage = engageUser();
  const inVisitor = {
    userName: 'ada.lovelace@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'ada.lovelace@example.com', primary: true }],
    phoneNumbers: [{ value: '+447700900123', type: 'mobile' }],
    title: 'Analyst',
    preferredLanguage: 'en-GB',
    sso: false,
  };
  const ownedAccess = { [DEFAULT]: 'regular', 'v-a': 'regular', 'v-b': 'regular' } as const;

  it('in sync: skip', () => {
    const plan = planUser({
      engage,
      state: provisioned(engage),
      ctx: ctx({ visitorActual: { user: inVisitor, access: accessOf(ownedAccess) } }),
    });
    assert.deepEqual(plan, { kind: 'skip', engageUserId: 42, reason: 'unchanged', nextState: null });
  });

  it('corrects drift even when the fingerprint matches, but leaves a hand-granted admin alone', () => {
    const plan = expectKind(
      planUser({
        engage,
        state: provisioned(engage),
        ctx: ctx({
          visitorActual: {
            user: { ...inVisitor, title: 'Edited by hand' },
            access: accessOf({ ...ownedAccess, 'v-a': 'admin', 'v-hand': 'regular' }),
          },
        }),
      }),
      'update',
    );
    assert.deepEqual(plan.attributes, [{ attribute: 'title', value: 'Analyst' }]);
    assert.deepEqual([plan.access.add, plan.access.setRole, plan.access.remove], [[], [], []]);
  });

  it('restores owned access removed by hand', () => {
    const plan = expectKind(
      planUser({
        engage,
        state: provisioned(engage),
        ctx: ctx({ visitorActual: { user: inVisitor, access: accessOf({ [DEFAULT]: 'regular' }) } }),
      }),
      'update',
    );
    assert.deepEqual(plan.access.add, [
      { locationId: 'v-a', role: 'regular' },
      { locationId: 'v-b', role: 'regular' },
    ]);
  });

  it('a linked user deleted by hand in Visitor is created again', () => {
    const plan = planUser({
      engage,
      state: provisioned(engage),
      ctx: ctx({ visitorActual: { user: null, access: new Map() } }),
    });
    expectKind(plan, 'create');
  });

  it('a user deactivated by hand in Visitor is updated but not reactivated', () => {
    const plan = planUser({
      engage: engageUser({ familyName: 'King' }),
      state: provisioned(engage),
      ctx: ctx({ visitorActual: { user: inVisitor, active: false, access: accessOf(ownedAccess) } }),
    });
    assert.deepEqual(expectKind(plan, 'update').attributes, [
      { attribute: 'name.familyName', value: 'King' },
    ]);
  });
});

describe('planUser: deprovision', () => {
  const linked = provisioned(engageUser());
  const cases: [
    name: string,
    engage: EngageUser | null,
    state: SyncUserState | null,
    options: Partial<SyncOptions>,
    expected: { kind: UserPlan['kind']; reason: string },
  ][] = [
    [
      'deleted in Engage, deactivate mode',
      engageUser({ deletedAt: new Date('2024-06-01T00:00:00Z') }),
      linked,
      {},
      { kind: 'deactivate', reason: 'deleted_in_engage' },
    ],
    [
      'deleted in Engage, delete mode',
      engageUser({ deletedAt: new Date('2024-06-01T00:00:00Z') }),
      linked,
      { deprovision: 'delete' },
      { kind: 'delete', reason: 'deleted_in_engage' },
    ],
    ['row gone', null, linked, { deprovision: 'delete' }, { kind: 'delete', reason: 'removed_from_engage' }],
    [
      'inactive in Engage',
      engageUser({ active: false }),
      linked,
      {},
      { kind: 'deactivate', reason: 'inactive_in_engage' },
    ],
    [
      'inactive, never provisioned',
      engageUser({ active: false }),
      null,
      {},
      { kind: 'skip', reason: 'inactive_not_provisioned' },
    ],
    [
      'deleted, never provisioned',
      engageUser({ deletedAt: new Date('2024-06-01T00:00:00Z') }),
      null,
      {},
      { kind: 'skip', reason: 'deleted_not_provisioned' },
    ],
    [
      'row gone, never provisioned',
      null,
      { ...linked, visitorUserId: null },
      {},
      { kind: 'skip', reason: 'deleted_not_provisioned' },
    ],
    ['nothing at all', null, null, {}, { kind: 'skip', reason: 'nothing_to_do' }],
    [
      'already deactivated',
      engageUser({ active: false }),
      { ...linked, deprovisioned: true },
      {},
      { kind: 'skip', reason: 'already_deprovisioned' },
    ],
    [
      'deactivated before, now deleted in delete mode',
      null,
      { ...linked, deprovisioned: true },
      { deprovision: 'delete' },
      { kind: 'delete', reason: 'removed_from_engage' },
    ],
  ];
  for (const [name, engage, state, options, expected] of cases) {
    it(name, () => {
      const plan = planUser({ engage, state, ctx: ctx({}, options) });
      assert.equal(plan.kind, expected.kind);
      assert.equal('reason' in plan ? plan.reason : undefined, expected.reason);
      if (plan.kind === 'delete' || plan.kind === 'deactivate')
        assert.equal(plan.visitorUserId, 'visitor-42');
    });
  }

  it('delete forgets the Visitor id and owned access; deactivate keeps them', () => {
    const engage = engageUser({ active: false });
    const deleted = expectKind(
      planUser({ engage, state: linked, ctx: ctx({}, { deprovision: 'delete' }) }),
      'delete',
    );
    assert.deepEqual(
      [deleted.nextState.visitorUserId, deleted.nextState.ownedAccess, deleted.nextState.deprovisioned],
      [null, {}, true],
    );
    const deactivated = expectKind(planUser({ engage, state: linked, ctx: ctx() }), 'deactivate');
    assert.equal(deactivated.nextState.visitorUserId, 'visitor-42');
    assert.deepEqual(deactivated.nextState.ownedAccess, linked.ownedAccess);
    assert.equal(deactivated.nextState.deprovisioned, true);
  });

  it('full reconcile: user already gone from Visitor needs only bookkeeping', () => {
    const plan = expectKind(
      planUser({
        engage: null,
        state: linked,
        ctx: ctx({ visitorActual: { user: null, access: new Map() } }),
      }),
      'skip',
    );
    assert.equal(plan.reason, 'already_deprovisioned');
    assert.equal(plan.nextState?.visitorUserId, null);
  });

  it('comes back active after deactivation: reactivate with its updates', () => {
    const state = { ...linked, deprovisioned: true };
    const plan = expectKind(
      planUser({ engage: engageUser({ jobTitle: 'Countess' }), state, ctx: ctx() }),
      'reactivate',
    );
    assert.equal(plan.visitorUserId, 'visitor-42');
    assert.deepEqual(plan.attributes, [{ attribute: 'title', value: 'Countess' }]);
    assert.equal(plan.nextState.deprovisioned, false);
  });

  it('comes back after deletion: created anew', () => {
    const state = { ...linked, visitorUserId: null, ownedAccess: {}, deprovisioned: true };
    expectKind(planUser({ engage: engageUser(), state, ctx: ctx() }), 'create');
  });
});

describe('planUser: failures', () => {
  const cases: [name: string, engage: EngageUser, state: SyncUserState | null, codes: string[]][] = [
    ['no e-mail', engageUser({ username: 'jdoe', email: null }), null, ['missing_email']],
    ['invalid e-mail', engageUser({ username: 'jdoe', email: 'jdoe@@x' }), null, ['invalid_email']],
    [
      'a provisioned user whose data turned bad fails, it is not deprovisioned',
      engageUser({ username: 'jdoe', email: null }),
      provisioned(engageUser()),
      ['missing_email'],
    ],
    ['state of another user', engageUser({ id: 1 }), provisioned(engageUser()), ['state_mismatch']],
  ];
  for (const [name, engage, state, codes] of cases) {
    it(name, () => {
      const plan = expectKind(planUser({ engage, state, ctx: ctx() }), 'fail');
      assert.deepEqual(
        plan.failures.map((f) => f.code),
        codes,
      );
    });
  }

  it('300-char name with longValues refuse: value_too_long, as before shortening existed', () => {
    const engage = engageUser({ givenName: 'x'.repeat(300) });
    const plan = expectKind(
      planUser({ engage, state: null, ctx: ctx({}, { longValues: 'refuse' }) }),
      'fail',
    );
    assert.deepEqual(
      plan.failures.map((f) => [f.code, f.attribute]),
      [['value_too_long', 'name.givenName']],
    );
  });

  it('case-only duplicate e-mail: the loser fails with duplicate_identity, the keeper proceeds', () => {
    const lose = planUser({
      engage: engageUser({ id: 43, username: 'ADA.LOVELACE@example.com' }),
      state: null,
      ctx: ctx({ identityConflict: { engageUserId: 43, outcome: 'fails', conflictingWith: [42] } }),
    });
    const failed = expectKind(lose, 'fail');
    assert.deepEqual(
      failed.failures.map((f) => [f.code, f.attribute]),
      [['duplicate_identity', 'userName']],
    );
    assert.match(failed.failures[0]?.message ?? '', /42/);
    const engage = engageUser();
    const keep = planUser({
      engage,
      state: provisioned(engage),
      ctx: ctx({ identityConflict: { engageUserId: 42, outcome: 'keeps', conflictingWith: [43] } }),
    });
    expectKind(keep, 'skip');
  });

  it('data failures and a duplicate are reported together', () => {
    const plan = expectKind(
      planUser({
        engage: engageUser({ givenName: null, familyName: null }),
        state: null,
        ctx: ctx({ identityConflict: { engageUserId: 42, outcome: 'fails', conflictingWith: [7] } }),
      }),
      'fail',
    );
    assert.deepEqual(
      plan.failures.map((f) => f.code),
      ['missing_name', 'duplicate_identity'],
    );
  });
});

describe('planUser: determinism', () => {
  it('returns equal plans for equal inputs', () => {
    const input = () => ({
      engage: engageUser({ userType: 'global_admin' as const, familyName: '山田' }),
      state: provisioned(engageUser()),
      ctx: ctx(
        { allVisitorLocationIds: ['v-b', DEFAULT, 'v-a'] },
        { grantNewLocationsToExistingUsers: true },
      ),
    });
    assert.deepEqual(planUser(input()), planUser(input()));
  });

  it('location list order does not change the fingerprint', () => {
    const a = expectKind(planUser({ engage: engageUser(), state: null, ctx: ctx() }), 'create');
    const b = expectKind(
      planUser({
        engage: engageUser(),
        state: null,
        ctx: ctx({ allVisitorLocationIds: [...LOCATIONS].reverse() }),
      }),
      'create',
    );
    assert.equal(a.fingerprint, b.fingerprint);
  });
});

describe('planUser: planning steps', () => {
  it('computes the costly parts only through the steps it is given', () => {
    const calls: string[] = [];
    const counting = Object.fromEntries(
      Object.entries(plainSteps).map(([name, step]) => [
        name,
        (...args: unknown[]) => {
          calls.push(name);
          return (step as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as unknown as PlanningSteps;
    const engage = engageUser({ userType: 'global_admin' });
    const created = expectKind(planUser({ engage, state: null, ctx: ctx() }, counting), 'create');
    assert.deepEqual(calls.sort(), ['accessDigest', 'accessMap', 'accessRecord', 'allLocations']);
    calls.length = 0;
    const state = { ...created.nextState, visitorUserId: 'visitor-42' };
    const updated = expectKind(planUser({ engage: engageUser(), state, ctx: ctx() }, counting), 'update');
    assert.deepEqual(calls.sort(), [
      'accessDigest',
      'accessMap',
      'accessRecord',
      'ownedLocations',
      'ownedMap',
      'ownedSet',
      'plannedAccess',
    ]);
    assert.deepEqual(
      updated,
      planUser({ engage: engageUser(), state, ctx: ctx() }),
      'the same plan as plainly',
    );
  });
});
