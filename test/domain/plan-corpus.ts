// A corpus of users and states that covers each planning rule: the guard behind RULES_VERSION
// (plan-input.test.ts) and the plain-vs-cached comparison (test/engine/planning-cache.test.ts).
import type { PlanContextInput } from '../../domain/plan-input';
import { type PlanContext, type PlanUserInput, planUser } from '../../domain/plan-user';
import type { EngageUser, SyncOptions, SyncUserState } from '../../domain/types';
import { defaultOptions, engageUser } from './fixtures';

export const corpusContext: PlanContextInput = {
  defaultLocationId: 'loc-d',
  allVisitorLocationIds: ['loc-d', 'loc-1', 'loc-2', 'loc-3'],
  locationMap: new Map([
    [1, 'loc-1'],
    [2, 'loc-2'],
  ]),
  options: defaultOptions,
};

export const corpusUsers: Partial<EngageUser>[] = [
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
  {
    userType: 'country_admin',
    administeredCountries: ['FR', 'GB'],
    administeredCountryLocationIds: [2, 3, 9],
  },
  { userType: 'group_admin' },
  { userType: 'video_admin', administeredLocationIds: [1] },
  { userType: 'super_admin' },
  { givenName: 'x'.repeat(300), familyName: `${'f'.repeat(254)}e\u0301z` },
  { givenName: 'Jane\r\nBcc: x@y.example', jobTitle: '\u202Erotinom' },
];

export const corpusOptionSets: SyncOptions[] = [
  defaultOptions,
  {
    grantNewLocationsToExistingUsers: true,
    locationAdminsAdministerTheirLocations: true,
    countryAdminsAdministerTheirCountries: true,
    longValues: 'refuse',
    deprovision: 'delete',
  },
];

/**
 * Every user new, then — if it would be created — linked: the same row, a renamed one, a promoted one,
 * a deleted one and a removed one, each against its state and against an emptied, deprovisioned one.
 * Linked states come from the plain planner's create plans. The order is part of RULES_VERSION's digest.
 */
export function corpusInputs(): PlanUserInput[] {
  const inputs: PlanUserInput[] = [];
  for (const options of corpusOptionSets) {
    const ctx: PlanContext = { ...corpusContext, options };
    corpusUsers.forEach((overrides, i) => {
      const engage = engageUser({ id: 100 + i, ...overrides });
      const create: PlanUserInput = { engage, state: null, ctx };
      inputs.push(create);
      const created = planUser(create);
      if (created.kind !== 'create') return;
      const state: SyncUserState = { ...created.nextState, visitorUserId: `v-${i}` };
      for (const next of [
        engage,
        { ...engage, familyName: 'Renamed' },
        { ...engage, userType: 'global_admin' as const },
        { ...engage, deletedAt: new Date('2024-03-01T00:00:00Z') },
        null,
      ]) {
        inputs.push({ engage: next, state, ctx });
        inputs.push({ engage: next, state: { ...state, deprovisioned: true, ownedAccess: {} }, ctx });
      }
    });
  }
  return inputs;
}

/** Maps and sets as sorted entries, dates as ISO strings, so plans serialise and compare completely. */
export function plainData(v: unknown): unknown {
  if (v instanceof Map)
    return [...v].map(([k, x]) => [k, plainData(x)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  if (v instanceof Set) return [...v].map(plainData).sort();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plainData);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainData(x)]));
  return v;
}
