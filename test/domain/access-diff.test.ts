import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAccessChanges } from '../../domain/access-diff';
import type { Role } from '../../domain/types';

type Entries = Record<string, Role>;
const m = (entries: Entries) => new Map(Object.entries(entries));

interface Case {
  name: string;
  owned: Entries;
  desired: Entries;
  actual?: Entries;
  add?: Entries;
  setRole?: Entries;
  remove?: string[];
}

const D = 'default';

const cases: Case[] = [
  // Incremental (no actual): owned vs desired only.
  {
    name: 'nothing changed',
    owned: { [D]: 'regular', a: 'regular' },
    desired: { [D]: 'regular', a: 'regular' },
  },
  {
    name: 'new user: everything is added',
    owned: {},
    desired: { [D]: 'admin', a: 'regular' },
    add: { [D]: 'admin', a: 'regular' },
  },
  {
    name: 'promotion to global admin changes the default location role',
    owned: { [D]: 'regular', a: 'regular' },
    desired: { [D]: 'admin', a: 'regular' },
    setRole: { [D]: 'admin' },
  },
  {
    name: 'demotion from global admin changes the default location role back',
    owned: { [D]: 'admin', a: 'regular' },
    desired: { [D]: 'regular', a: 'regular' },
    setRole: { [D]: 'regular' },
  },
  {
    name: 'owned access no longer wanted is removed',
    owned: { [D]: 'regular', a: 'regular', b: 'regular' },
    desired: { [D]: 'regular', a: 'regular' },
    remove: ['b'],
  },
  {
    name: 'a location newly eligible is added',
    owned: { [D]: 'regular' },
    desired: { [D]: 'regular', new: 'regular' },
    add: { new: 'regular' },
  },
  // Full reconcile (actual known).
  {
    name: 'hand-granted access the sync does not own is left alone',
    owned: { [D]: 'regular' },
    desired: { [D]: 'regular' },
    actual: { [D]: 'regular', x: 'admin', y: 'regular' },
  },
  {
    name: 'hand-granted admin where the sync owns regular is never demoted',
    owned: { [D]: 'regular', a: 'regular' },
    desired: { [D]: 'regular', a: 'regular' },
    actual: { [D]: 'regular', a: 'admin' },
  },
  {
    name: 'hand-granted admin at the default location survives a regular user run',
    owned: { [D]: 'regular' },
    desired: { [D]: 'regular' },
    actual: { [D]: 'admin' },
  },
  {
    name: 'hand-granted admin at a location the sync does not own yet is not demoted by a new grant',
    owned: { [D]: 'regular' },
    desired: { [D]: 'regular', a: 'regular' },
    actual: { [D]: 'regular', a: 'admin' },
  },
  {
    name: 'hand-granted admin over owned regular is not removed when the location is no longer wanted',
    owned: { [D]: 'regular', a: 'regular' },
    desired: { [D]: 'regular' },
    actual: { [D]: 'regular', a: 'admin' },
  },
  {
    name: 'demotion of an admin the sync granted still happens in a full reconcile',
    owned: { [D]: 'admin' },
    desired: { [D]: 'regular' },
    actual: { [D]: 'admin' },
    setRole: { [D]: 'regular' },
  },
  {
    name: 'promotion when a superuser already made them admin: no call',
    owned: { [D]: 'regular' },
    desired: { [D]: 'admin' },
    actual: { [D]: 'admin' },
  },
  {
    name: 'owned admin demoted by hand is restored',
    owned: { [D]: 'admin' },
    desired: { [D]: 'admin' },
    actual: { [D]: 'regular' },
    setRole: { [D]: 'admin' },
  },
  {
    name: 'owned access removed by hand is restored',
    owned: { [D]: 'regular', a: 'regular' },
    desired: { [D]: 'regular', a: 'regular' },
    actual: { [D]: 'regular' },
    add: { a: 'regular' },
  },
  {
    name: 'owned access already gone and no longer wanted: no call',
    owned: { [D]: 'regular', a: 'regular' },
    desired: { [D]: 'regular' },
    actual: { [D]: 'regular' },
  },
  {
    name: 'owned admin no longer wanted is removed',
    owned: { [D]: 'regular', a: 'admin' },
    desired: { [D]: 'regular' },
    actual: { [D]: 'regular', a: 'admin' },
    remove: ['a'],
  },
  {
    name: 'owned regular no longer wanted is removed',
    owned: { [D]: 'regular', a: 'regular' },
    desired: { [D]: 'regular' },
    actual: { [D]: 'regular', a: 'regular' },
    remove: ['a'],
  },
  {
    name: 'wanted admin over hand-granted regular: role set, not added',
    owned: { [D]: 'regular' },
    desired: { [D]: 'admin' },
    actual: { [D]: 'regular' },
    setRole: { [D]: 'admin' },
  },
  {
    name: 'the user has no access at all in Visitor: everything wanted is added',
    owned: { [D]: 'admin', a: 'regular' },
    desired: { [D]: 'admin', a: 'regular' },
    actual: {},
    add: { [D]: 'admin', a: 'regular' },
  },
];

describe('planAccessChanges', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planAccessChanges({
        owned: m(c.owned),
        desired: m(c.desired),
        ...(c.actual ? { actual: m(c.actual) } : {}),
      });
      const toEntries = (list: { locationId: string; role: Role }[]) =>
        Object.fromEntries(list.map((x) => [x.locationId, x.role]));
      assert.deepEqual(toEntries(plan.add), c.add ?? {}, 'add');
      assert.deepEqual(toEntries(plan.setRole), c.setRole ?? {}, 'setRole');
      assert.deepEqual(plan.remove, c.remove ?? [], 'remove');
      // The sync owns exactly what it wants afterwards; hand-granted entries it never wanted stay unowned.
      assert.deepEqual([...plan.nextOwned], [...m(c.desired)], 'nextOwned');
    });
  }

  it('a hand-granted admin stays untouched over repeated runs (full then incremental)', () => {
    const desired = m({ [D]: 'regular', a: 'regular' });
    const first = planAccessChanges({
      owned: m({ [D]: 'regular' }),
      desired,
      actual: m({ [D]: 'regular', a: 'admin' }),
    });
    assert.deepEqual([first.add, first.setRole, first.remove], [[], [], []]);
    const second = planAccessChanges({ owned: first.nextOwned, desired });
    assert.deepEqual([second.add, second.setRole, second.remove], [[], [], []]);
  });

  it('does not mutate its inputs', () => {
    const owned = m({ [D]: 'regular', a: 'regular' });
    const desired = m({ [D]: 'admin' });
    const plan = planAccessChanges({ owned, desired });
    plan.nextOwned.set('z', 'admin');
    assert.deepEqual([...owned], [...m({ [D]: 'regular', a: 'regular' })]);
    assert.deepEqual([...desired], [[D, 'admin']]);
  });
});
