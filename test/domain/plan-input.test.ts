import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, sha256Hex } from '../../domain/fingerprint';
import {
  type PlanContextInput,
  planContextDigest,
  planInputOf,
  RULES_VERSION,
} from '../../domain/plan-input';
import { planUser } from '../../domain/plan-user';
import { defaultOptions } from './fixtures';
import { corpusContext, corpusInputs, plainData } from './plan-corpus';

const base = corpusContext;

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
    [
      'country admins administer',
      { options: { ...defaultOptions, countryAdminsAdministerTheirCountries: true } },
    ],
    ['long values refused', { options: { ...defaultOptions, longValues: 'refuse' } }],
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
// stored input stale). The corpus (plan-corpus.ts) covers each rule; its plans' digest is recorded
// per version.
describe('RULES_VERSION', () => {
  it('is bumped whenever the rules plan the corpus differently', () => {
    // `before` (the values an update was compared against) is for the log: it changes no plan.
    const planned = corpusInputs().map((input) => {
      const { before: _before, ...plan } = planUser(input) as ReturnType<typeof planUser> & {
        before?: unknown;
      };
      return plan;
    });
    const plans = sha256Hex(canonicalJson(plainData(planned)));
    assert.deepEqual(
      { rulesVersion: RULES_VERSION, plans },
      { rulesVersion: 2, plans: '092cf655443e5bfdb840e891c39c70e6c167eae6b3b7639dc75cd5300063ed56' },
      'The planning rules changed: bump RULES_VERSION in domain/plan-input.ts, then record the new digest here.',
    );
  });
});
