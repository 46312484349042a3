import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredAccess, eligibleLocations } from '../../domain/access';
import type { EngageUserType, Role } from '../../domain/types';

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
