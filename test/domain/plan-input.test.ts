import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, sha256Hex } from '../../domain/fingerprint';
import {
  type PlanContextInput,
  planContextDigest,
  planInputOf,
  RULES_VERSION,
} from '../../domain/plan-input';
import { type PlanContext, planUser } from '../../domain/plan-user';
import type { EngageUser, SyncOptions, SyncUserState } from '../../domain/types';
import { defaultOptions, engageUser } from './fixtures';

const base: PlanContextInput = {
  defaultLocationId: 'loc-d',
  allVisitorLocationIds: ['loc-d', 'loc-1', 'loc-2', 'loc-3'],
  locationMap: new Map([
    [1, 'loc-1'],
    [2, 'loc-2'],
  ]),
  options: defaultOptions,
};

describe('planContextDigest', () => {
  it('does not depend on the order locations are listed or mapped in', () => {
    const same = planContextDigest({
      ...base,
      allVisitorLocationIds: ['loc-3', 'loc-2', 'loc-d', 'loc-1'],
      locationMap: new Map([
        [2, 'loc-2'],
        [1, 'loc-1'],
      ]),
      options: {
        deprovision: 'deactivate',
        locationAdminsAdministerTheirLocations: false,
        grantNewLocationsToExistingUsers: false,
      },
    });
    assert.equal(same, planContextDigest(base));
  });

  const changes: [string, Partial<PlanContextInput>][] = [
    ['another default location', { defaultLocationId: 'loc-1' }],
    ['a Visitor location more', { allVisitorLocationIds: [...base.allVisitorLocationIds, 'loc-4'] }],
    ['a Visitor location less', { allVisitorLocationIds: ['loc-d', 'loc-1', 'loc-2'] }],
    ['an Engage location mapped', { locationMap: new Map([...base.locationMap, [3, 'loc-3']]) }],
    [
      'an Engage location mapped elsewhere',
      {
        locationMap: new Map([
          [1, 'loc-3'],
          [2, 'loc-2'],
        ]),
      },
    ],
    ['new locations granted', { options: { ...defaultOptions, grantNewLocationsToExistingUsers: true } }],
    [
      'location admins administer',
      { options: { ...defaultOptions, locationAdminsAdministerTheirLocations: true } },
    ],
    ['deprovisioning deletes', { options: { ...defaultOptions, deprovision: 'delete' } }],
  ];
  for (const [name, change] of changes) {
    it(`changes with ${name}`, () => {
      assert.notEqual(planContextDigest({ ...base, ...change }), planContextDigest(base));
    });
  }

  it('is short and combines with a row digest into one stored value', () => {
    const d = planContextDigest(base);
    assert.match(d, /^[0-9a-f]{16}$/);
    assert.equal(planInputOf(d, 'abc'), `${d}:abc`);
  });
});

// The guard behind RULES_VERSION: a run passes over users whose stored plan input still matches, so
// a change to the rules that plans anything differently must bump the version (which makes every
// stored input stale). This corpus covers each rule; its plans' digest is recorded per version.
describe('RULES_VERSION', () => {
  const users: Partial<EngageUser>[] = [
    {},
    { userType: 'global_admin' },
    { userType: 'location_admin', administeredLocationIds: [1, 2, 9] },
    { userType: 'vendor', username: 'v.one@vendor.example', email: null },
    { sso: true, preferredLanguage: 'de_de' },
    { mobilePhone: '07700 900123', workPhone: '+1 (415) 555-0100', preferredLanguage: 'not a tag' },
    { givenName: '  ', familyName: 'Plato' },
    { givenName: null, familyName: null },
    { jobTitle: 'x'.repeat(256) },
    { username: 'not-an-email', email: 'Fallback@Example.COM' },
    { username: 'not-an-email', email: null },
    { givenName: 'Zoe\u0301', familyName: '李' },
    { deletedAt: new Date('2024-02-01T00:00:00Z') },
    { active: false },
  ];
  const optionSets: SyncOptions[] = [
    defaultOptions,
    {
      grantNewLocationsToExistingUsers: true,
      locationAdminsAdministerTheirLocations: true,
      deprovision: 'delete',
    },
  ];

  /** Maps and sets as sorted entries, so the plans serialise completely. */
  const plain = (v: unknown): unknown => {
    if (v instanceof Map)
      return [...v].map(([k, x]) => [k, plain(x)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    if (v instanceof Set) return [...v].map(plain).sort();
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };

  function corpusPlans(): unknown[] {
    const plans: unknown[] = [];
    for (const options of optionSets) {
      const ctx: PlanContext = { ...base, options };
      users.forEach((overrides, i) => {
        const engage = engageUser({ id: 100 + i, ...overrides });
        const created = planUser({ engage, state: null, ctx });
        plans.push(created);
        if (created.kind !== 'create') return;
        // Linked: then the same row, a renamed one, a promoted one, a deleted one and an emptied state.
        const state: SyncUserState = { ...created.nextState, visitorUserId: `v-${i}` };
        for (const next of [
          engage,
          { ...engage, familyName: 'Renamed' },
          { ...engage, userType: 'global_admin' as const },
          { ...engage, deletedAt: new Date('2024-03-01T00:00:00Z') },
          null,
        ]) {
          plans.push(planUser({ engage: next, state, ctx }));
          plans.push(
            planUser({ engage: next, state: { ...state, deprovisioned: true, ownedAccess: {} }, ctx }),
          );
        }
      });
    }
    return plans;
  }

  it('is bumped whenever the rules plan the corpus differently', () => {
    const plans = sha256Hex(canonicalJson(plain(corpusPlans())));
    assert.deepEqual(
      { rulesVersion: RULES_VERSION, plans },
      { rulesVersion: 1, plans: '6b8434829aa36884cf0b63873cebdf04c51ec3e5e364a71fabcf17dc215c9de5' },
      'The planning rules changed: bump RULES_VERSION in domain/plan-input.ts, then record the new digest here.',
    );
  });
});
