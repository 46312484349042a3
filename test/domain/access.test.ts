import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  administeredEngageLocationIds,
  desiredAccess,
  eligibleLocations,
  isKnownUserType,
  userTypeWarning,
} from '../../domain/access';
import { ENGAGE_USER_TYPES, type EngageUserType, type Role } from '../../domain/types';

const DEFAULT = 'loc-default';
const ALL = [DEFAULT, 'loc-a', 'loc-b', 'loc-c'];
// Engage 1 → default, 2 → a, 3 → b; Engage 9 is not mapped.
const LOCATION_MAP = new Map([
  [1, DEFAULT],
  [2, 'loc-a'],
  [3, 'loc-b'],
]);

describe('eligibleLocations', () => {
  const cases: {
    name: string;
    owned: string[] | null;
    all: string[];
    grantNew: boolean;
    expected: string[];
  }[] = [
    { name: 'new user: every location now', owned: null, all: ALL, grantNew: false, expected: ALL },
    {
      name: 'existing user: keeps what the sync granted, not a location created later',
      owned: [DEFAULT, 'loc-a'],
      all: [...ALL, 'loc-new'],
      grantNew: false,
      expected: [DEFAULT, 'loc-a'],
    },
    {
      name: 'existing user with grantNewLocationsToExistingUsers: every location now',
      owned: [DEFAULT, 'loc-a'],
      all: [...ALL, 'loc-new'],
      grantNew: true,
      expected: [...ALL, 'loc-new'],
    },
    {
      name: 'existing user: a location removed from Visitor drops out',
      owned: [DEFAULT, 'loc-gone'],
      all: ALL,
      grantNew: false,
      expected: [DEFAULT],
    },
    {
      name: 'default location is eligible even when never owned',
      owned: ['loc-a'],
      all: ALL,
      grantNew: false,
      expected: ['loc-a', DEFAULT],
    },
    {
      name: 'default location is eligible even when missing from the list',
      owned: null,
      all: ['loc-a'],
      grantNew: false,
      expected: [DEFAULT, 'loc-a'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = eligibleLocations({
        owned: c.owned === null ? null : new Set(c.owned),
        allVisitorLocationIds: c.all,
        defaultLocationId: DEFAULT,
        options: { grantNewLocationsToExistingUsers: c.grantNew },
      });
      assert.deepEqual([...result].sort(), [...c.expected].sort());
    });
  }
});

describe('desiredAccess', () => {
  const cases: {
    name: string;
    userType: EngageUserType;
    administered?: number[];
    eligible?: string[];
    locationAdminsAdminister?: boolean;
    expected: [string, Role][];
  }[] = [
    {
      name: 'global admin: admin at default, regular elsewhere',
      userType: 'global_admin',
      expected: [
        [DEFAULT, 'admin'],
        ['loc-a', 'regular'],
        ['loc-b', 'regular'],
        ['loc-c', 'regular'],
      ],
    },
    {
      name: 'global admin stays regular at their administered locations even with the option on',
      userType: 'global_admin',
      administered: [2],
      locationAdminsAdminister: true,
      expected: [
        [DEFAULT, 'admin'],
        ['loc-a', 'regular'],
        ['loc-b', 'regular'],
        ['loc-c', 'regular'],
      ],
    },
    {
      name: 'location admin, option off: regular everywhere',
      userType: 'location_admin',
      administered: [2, 3],
      expected: [
        [DEFAULT, 'regular'],
        ['loc-a', 'regular'],
        ['loc-b', 'regular'],
        ['loc-c', 'regular'],
      ],
    },
    {
      name: 'location admin, option on: admin where they administer; unmapped ignored',
      userType: 'location_admin',
      administered: [2, 9],
      locationAdminsAdminister: true,
      expected: [
        [DEFAULT, 'regular'],
        ['loc-a', 'admin'],
        ['loc-b', 'regular'],
        ['loc-c', 'regular'],
      ],
    },
    {
      name: 'location admin, option on, administering the default location',
      userType: 'location_admin',
      administered: [1],
      locationAdminsAdminister: true,
      expected: [
        [DEFAULT, 'admin'],
        ['loc-a', 'regular'],
        ['loc-b', 'regular'],
        ['loc-c', 'regular'],
      ],
    },
    {
      name: 'location admin, option on: not admin at a location outside the eligible set',
      userType: 'location_admin',
      administered: [3],
      eligible: [DEFAULT, 'loc-a'],
      locationAdminsAdminister: true,
      expected: [
        [DEFAULT, 'regular'],
        ['loc-a', 'regular'],
      ],
    },
    {
      name: 'regular user with stray administered ids (option on): regular everywhere',
      userType: 'regular',
      administered: [2],
      locationAdminsAdminister: true,
      expected: [
        [DEFAULT, 'regular'],
        ['loc-a', 'regular'],
        ['loc-b', 'regular'],
        ['loc-c', 'regular'],
      ],
    },
    {
      name: 'vendor: regular everywhere',
      userType: 'vendor',
      expected: [
        [DEFAULT, 'regular'],
        ['loc-a', 'regular'],
        ['loc-b', 'regular'],
        ['loc-c', 'regular'],
      ],
    },
    {
      name: 'empty eligible set still gets the default location',
      userType: 'global_admin',
      eligible: [],
      expected: [[DEFAULT, 'admin']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = desiredAccess({
        userType: c.userType,
        administeredLocationIds: c.administered ?? [],
        defaultLocationId: DEFAULT,
        eligible: new Set(c.eligible ?? ALL),
        locationMap: LOCATION_MAP,
        options: { locationAdminsAdministerTheirLocations: c.locationAdminsAdminister ?? false },
      });
      // Order matters too: default first, then sorted.
      assert.deepEqual([...result], c.expected);
    });
  }
});

describe('desiredAccess: every Engage user type (Eptura: all but Global admins are regular users)', () => {
  const access = (
    userType: string,
    options: Parameters<typeof desiredAccess>[0]['options'] = {
      locationAdminsAdministerTheirLocations: false,
    },
  ) => [
    ...desiredAccess({
      userType,
      administeredLocationIds: [2],
      administeredCountryLocationIds: [2, 3, 9],
      defaultLocationId: DEFAULT,
      eligible: new Set(ALL),
      locationMap: LOCATION_MAP,
      options,
    }),
  ];
  const regularEverywhere: [string, Role][] = ALL.map((id) => [id, 'regular']);
  const adminAtDefault: [string, Role][] = ALL.map((id) => [id, id === DEFAULT ? 'admin' : 'regular']);

  for (const type of ENGAGE_USER_TYPES) {
    it(`${type}: ${type === 'global_admin' ? 'admin at the default location' : 'regular everywhere'}`, () => {
      assert.ok(isKnownUserType(type));
      assert.equal(userTypeWarning(type), null);
      assert.deepEqual(access(type), type === 'global_admin' ? adminAtDefault : regularEverywhere);
    });
  }

  it('country admin, option on: admin at the mapped, eligible locations of their countries', () => {
    const options = {
      locationAdminsAdministerTheirLocations: false,
      countryAdminsAdministerTheirCountries: true,
    };
    assert.deepEqual(access('country_admin', options), [
      [DEFAULT, 'regular'],
      ['loc-a', 'admin'],
      ['loc-b', 'admin'],
      ['loc-c', 'regular'],
    ]);
    assert.deepEqual(access('location_admin', options), regularEverywhere, 'the other option is off');
    assert.deepEqual(access('global_admin', options), adminAtDefault, 'not a country admin');
  });

  it('the two options are independent: each admin type follows its own', () => {
    const locationOnly = { locationAdminsAdministerTheirLocations: true };
    assert.deepEqual(access('country_admin', locationOnly), regularEverywhere, 'absent = off');
    assert.deepEqual(access('location_admin', locationOnly), [
      [DEFAULT, 'regular'],
      ['loc-a', 'admin'],
      ['loc-b', 'regular'],
      ['loc-c', 'regular'],
    ]);
  });

  it('group and video admins stay regular with both options on', () => {
    const both = {
      locationAdminsAdministerTheirLocations: true,
      countryAdminsAdministerTheirCountries: true,
    };
    assert.deepEqual(access('group_admin', both), regularEverywhere);
    assert.deepEqual(access('video_admin', both), regularEverywhere);
  });

  it('a type the sync does not know: regular everywhere, with a warning naming the type', () => {
    const both = {
      locationAdminsAdministerTheirLocations: true,
      countryAdminsAdministerTheirCountries: true,
    };
    assert.equal(isKnownUserType('super_admin'), false);
    assert.deepEqual(access('super_admin', both), regularEverywhere);
    const warning = userTypeWarning('super_admin');
    assert.equal(warning?.code, 'unknown_user_type');
    assert.equal(warning?.attribute, 'userType');
    assert.match(warning?.message ?? '', /'super_admin'.*regular access/);
  });

  it('an unknown type that does not look like a type name is not echoed into the log', () => {
    const warning = userTypeWarning('Jane Doe <jane@example.com>');
    assert.equal(warning?.code, 'unknown_user_type');
    assert.ok(!/Jane|example/.test(warning?.message ?? ''), warning?.message);
  });
});

describe('administeredEngageLocationIds', () => {
  const user = (userType: string) => ({
    userType,
    administeredLocationIds: [1, 2],
    administeredCountryLocationIds: [5, 6],
  });
  const both = { locationAdminsAdministerTheirLocations: true, countryAdminsAdministerTheirCountries: true };
  it('is what the access rule looks up: the locations each admin type administers, by its option', () => {
    assert.deepEqual(administeredEngageLocationIds(user('location_admin'), both), [1, 2]);
    assert.deepEqual(administeredEngageLocationIds(user('country_admin'), both), [5, 6]);
    assert.deepEqual(administeredEngageLocationIds(user('global_admin'), both), []);
    assert.deepEqual(administeredEngageLocationIds(user('regular'), both), []);
    const none = { locationAdminsAdministerTheirLocations: false };
    assert.deepEqual(administeredEngageLocationIds(user('location_admin'), none), []);
    assert.deepEqual(administeredEngageLocationIds(user('country_admin'), none), []);
  });
});
