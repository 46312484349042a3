// engage/reader.ts identityConflicts(ids): the groups of a few users by index lookups are the groups
// the full scan finds for them, over the rows that make identities tricky; and the one documented gap.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EngageDatabase } from '../../db/engage-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { EngageReader, type IdentityConflictGroup, identityHash } from '../../engage/reader';

let t: TestDatabase<EngageDatabase>;
let reader: EngageReader;

async function addUser(
  username: string,
  email: string | null,
  extra: { active?: boolean; deleted_at?: Date } = {},
): Promise<number> {
  const row = await t.db
    .insertInto('engage.users')
    .values({ username, email, given_name: 'A', family_name: 'B', ...extra })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const touching = (groups: IdentityConflictGroup[], ids: number[]) =>
  groups.filter((g) => g.userIds.some((id) => ids.includes(id)));

describe('identityConflicts(ids): index lookups', () => {
  before(async () => {
    t = await freshDatabase<EngageDatabase>('engage_identity_lookup', ['engage']);
    reader = new EngageReader(t.db);
  });
  after(async () => t?.drop());

  it('finds, for every user and for several at once, the groups the full scan finds', async () => {
    const ids = [
      // Username identities in other case, and an e-mail identity (username not an address).
      await addUser('Dana.Scully@Example.com', 'dana.scully@example.com'),
      await addUser('dscully', 'DANA.SCULLY@EXAMPLE.COM'),
      await addUser('dana', 'dana.Scully@example.com'),
      // A username that is an address wins over the e-mail: not Dana, though the e-mail is hers.
      await addUser('fox.mulder@example.com', 'Dana.Scully@example.com'),
      await addUser('FOX.MULDER@example.org', null),
      await addUser('fmulder', 'fox.mulder@EXAMPLE.com'),
      // No identity: neither is a valid address (the domain has no TLD).
      await addUser('skinner', 'skinner@fbi'),
      await addUser('skinner2', 'skinner@fbi'),
      // Inactive and deleted users share nothing.
      await addUser('inactive', 'fox.mulder@example.org', { active: false }),
      await addUser('gone', 'dana.scully@example.com', { deleted_at: new Date() }),
      await addUser('walter@example.com', null),
      await addUser('wskinner', 'Walter@Example.com'),
      await addUser('alone@example.com', 'alone@example.com'),
    ];
    const all = await reader.identityConflicts();
    assert.deepEqual(
      all.map((g) => g.identityHash),
      ['dana.scully@example.com', 'fox.mulder@example.com', 'walter@example.com'].map(identityHash),
    );
    assert.deepEqual(
      all.map((g) => g.userIds.length),
      [3, 2, 2],
    );
    for (const id of ids)
      assert.deepEqual(await reader.identityConflicts([id]), touching(all, [id]), `user ${id}`);
    assert.deepEqual(await reader.identityConflicts(ids), all);
    assert.deepEqual(
      await reader.identityConflicts([ids[0]!, ids[4]!, 999_999]),
      touching(all, [ids[0]!, ids[4]!]),
    );
    assert.deepEqual(await reader.identityConflicts([]), []);
  });

  it('the documented gap: a user stored with surrounding spaces is found by its own lookup and the full scan, not by the others’', async () => {
    const plain = await addUser('margaret@example.com', 'margaret@example.com');
    const paddedEmail = await addUser('mscully', ' Margaret@example.com');
    const paddedName = await addUser('  MARGARET@example.com ', null);
    const group = {
      identityHash: identityHash('margaret@example.com'),
      userIds: [plain, paddedEmail, paddedName],
    };
    assert.deepEqual(touching(await reader.identityConflicts(), [plain]), [group]);
    assert.deepEqual(await reader.identityConflicts([paddedEmail]), [
      { ...group, userIds: [plain, paddedEmail] },
    ]);
    assert.deepEqual(await reader.identityConflicts([paddedName]), [
      { ...group, userIds: [plain, paddedName] },
    ]);
    assert.deepEqual(
      await reader.identityConflicts([plain]),
      [],
      'no index holds btrim(username), btrim(email)',
    );
  });
});
