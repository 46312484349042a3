import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findIdentityConflicts,
  type IdentityGroupMember,
  resolveIdentityGroup,
} from '../../domain/identity-conflicts';

describe('resolveIdentityGroup', () => {
  const cases: [name: string, members: IdentityGroupMember[], keeps: number[]][] = [
    ['alone: keeps', [{ engageUserId: 1, linkedToVisitor: false }], [1]],
    [
      'exactly one linked: it keeps, the other fails',
      [
        { engageUserId: 2, linkedToVisitor: false },
        { engageUserId: 1, linkedToVisitor: true },
      ],
      [1],
    ],
    [
      'none linked: all fail (no guessing)',
      [
        { engageUserId: 1, linkedToVisitor: false },
        { engageUserId: 2, linkedToVisitor: false },
      ],
      [],
    ],
    [
      'two linked: all fail',
      [
        { engageUserId: 1, linkedToVisitor: true },
        { engageUserId: 2, linkedToVisitor: true },
        { engageUserId: 3, linkedToVisitor: false },
      ],
      [],
    ],
    [
      'the same id listed twice is one member',
      [
        { engageUserId: 5, linkedToVisitor: false },
        { engageUserId: 5, linkedToVisitor: true },
      ],
      [5],
    ],
    ['empty group', [], []],
  ];
  for (const [name, members, keeps] of cases) {
    it(name, () => {
      const result = resolveIdentityGroup(members);
      assert.deepEqual(
        result.filter((r) => r.outcome === 'keeps').map((r) => r.engageUserId),
        keeps,
      );
      const ids = result.map((r) => r.engageUserId);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'sorted by id',
      );
      for (const r of result) {
        assert.deepEqual(
          r.conflictingWith,
          ids.filter((id) => id !== r.engageUserId),
        );
      }
    });
  }
});

describe('findIdentityConflicts', () => {
  it('groups case-only e-mail duplicates and leaves unique users out', () => {
    const result = findIdentityConflicts([
      { engageUserId: 10, userName: 'Ada@Example.com', linkedToVisitor: true },
      { engageUserId: 11, userName: 'ada@example.COM', linkedToVisitor: false },
      { engageUserId: 12, userName: 'grace@example.com', linkedToVisitor: false },
      { engageUserId: 13, userName: 'BOB@example.com', linkedToVisitor: false },
      { engageUserId: 14, userName: 'bob@example.com', linkedToVisitor: false },
    ]);
    assert.deepEqual(
      [...result.values()].sort((a, b) => a.engageUserId - b.engageUserId),
      [
        { engageUserId: 10, outcome: 'keeps', conflictingWith: [11] },
        { engageUserId: 11, outcome: 'fails', conflictingWith: [10] },
        { engageUserId: 13, outcome: 'fails', conflictingWith: [14] },
        { engageUserId: 14, outcome: 'fails', conflictingWith: [13] },
      ],
    );
    assert.equal(result.has(12), false);
  });
});
