import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { EngageReader, identityHash } from '../../engage/reader';

let t: TestDatabase<EngageDatabase>;
let reader: EngageReader;

async function addUser(username: string, extra: Record<string, unknown> = {}): Promise<number> {
  const row = await t.db
    .insertInto('engage.users')
    .values({
      username,
      email: username.includes('@') ? username : null,
      given_name: 'A',
      family_name: 'B',
      ...extra,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('engage schema and reader', () => {
  before(async () => {
    t = await freshDatabase<EngageDatabase>('engage_reader', ['engage']);
    reader = new EngageReader(t.db);
  });
  after(async () => t?.drop());

  it('creates the engage tables with the updated_at triggers', async () => {
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'engage' ORDER BY table_name`.execute(
      t.db,
    );
    assert.deepEqual(
      rows.map((r) => r.table_name),
      // The sync reads users, locations, location_admins and country_admins; the rest belong to the
      // Engage SCIM API (groups, tokens, outbox).
      [
        'change_outbox',
        'country_admins',
        'group_members',
        'groups',
        'location_admins',
        'locations',
        'scim_clients',
        'scim_tokens',
        'users',
      ],
    );
    const dup = addUser('Case@Example.com').then(() => addUser('case@example.COM'));
    await assert.rejects(dup, /users_username_lower_key/);
  });

  it('pages every user exactly once, aggregating administered locations', async () => {
    await sql`TRUNCATE engage.location_admins, engage.users, engage.locations RESTART IDENTITY CASCADE`.execute(
      t.db,
    );
    const locs = await t.db
      .insertInto('engage.locations')
      .values([{ name: 'London – Soho' }, { name: 'Paris – Opéra' }, { name: 'Tokyo – Shibuya' }])
      .returning('id')
      .execute();
    const ids: number[] = [];
    for (let i = 0; i < 23; i++) ids.push(await addUser(`user${i}@example.com`));
    await t.db
      .insertInto('engage.location_admins')
      .values([
        { user_id: ids[4]!, location_id: locs[2]!.id },
        { user_id: ids[4]!, location_id: locs[0]!.id },
      ])
      .execute();
    await t.db
      .updateTable('engage.users')
      .set({ deleted_at: new Date() })
      .where('id', '=', ids[7]!)
      .execute();

    const seen: number[] = [];
    let afterId = 0;
    let pages = 0;
    for (;;) {
      const page = await reader.usersPage({ afterId, limit: 5 });
      pages++;
      seen.push(...page.users.map((u) => u.id));
      if (page.nextAfterId === null) break;
      afterId = page.nextAfterId;
    }
    assert.equal(pages, 5);
    assert.deepEqual(
      seen,
      ids.filter((id) => id !== ids[7]),
    );
    const withDeleted = await reader.usersPage({ afterId: 0, limit: 100, includeDeleted: true });
    assert.equal(withDeleted.users.length, 23);
    assert.ok(withDeleted.users.find((u) => u.id === ids[7])?.deletedAt instanceof Date);

    // A bounded range: ids[2] < id ≤ ids[9], in pages of 3, ends exactly at the bound.
    const ranged: number[] = [];
    let cursor = ids[2]!;
    let rangePages = 0;
    for (;;) {
      const page = await reader.usersPage({
        afterId: cursor,
        upToId: ids[9]!,
        limit: 3,
        includeDeleted: true,
      });
      rangePages++;
      ranged.push(...page.users.map((u) => u.id));
      if (page.nextAfterId === null) break;
      cursor = page.nextAfterId;
    }
    assert.deepEqual(ranged, ids.slice(3, 10));
    assert.equal(rangePages, 3);

    const admin = await reader.userById(ids[4]!);
    assert.equal(admin.status, 'found');
    assert.deepEqual(admin.status === 'found' && admin.user.administeredLocationIds, [
      locs[0]!.id,
      locs[2]!.id,
    ]);
    const byIds = await reader.usersByIds([ids[4]!, ids[7]!, 999_999]);
    assert.deepEqual(
      byIds.users.map((u) => u.id),
      [ids[4], ids[7]],
    );
    assert.deepEqual(await reader.userById(999_999), { status: 'missing' });
    assert.equal(await reader.countUsers({ activeOnly: true }), 22);
    // 23 users (one deleted, still paged: it may need deprovisioning) in pages of 10.
    assert.deepEqual(await reader.pageBoundaries(10), [ids[9], ids[19]]);
    assert.deepEqual(await reader.pageBoundaries(23), [ids[22]]);
    await assert.rejects(reader.pageBoundaries(0), /limit must be an integer/);
  });

  it('bumps updated_at when a column or the administered locations change', async () => {
    const updatedAt = async (id: number) =>
      (
        await t.db
          .selectFrom('engage.users')
          .select('updated_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).updated_at;
    const page = await reader.usersPage({ afterId: 0, limit: 100 });
    const [a, b] = [page.users[1]!.id, page.users[3]!.id];
    const [a0, b0] = [await updatedAt(a), await updatedAt(b)];
    await t.db
      .updateTable('engage.users')
      .set({ job_title: 'Chief Visitor Officer' })
      .where('id', '=', a)
      .execute();
    const loc = await reader.allActiveLocations();
    await t.db
      .insertInto('engage.location_admins')
      .values({ user_id: b, location_id: loc.locations[1]!.id })
      .execute();
    assert.ok((await updatedAt(a)) > a0, 'a column change');
    assert.ok((await updatedAt(b)) > b0, 'a new administered location');
    const read = await reader.userById(b);
    assert.deepEqual(read.status === 'found' && read.user.administeredLocationIds, [loc.locations[1]!.id]);
  });

  it('digests each row as read: the same until a column or an administered location changes', async () => {
    const page = await reader.usersPage({ afterId: 0, limit: 1000, includeDeleted: true });
    const digests = await reader.userDigests({ afterId: 0, upToId: null });
    assert.deepEqual(
      [...digests].sort(([x], [y]) => x - y),
      page.users.map((u) => [u.id, u.sourceDigest]),
    );
    assert.equal(new Set(digests.values()).size, digests.size, 'distinct rows, distinct digests');
    const [a, b, c] = page.users;
    const range = await reader.userDigests({ afterId: a!.id, upToId: b!.id });
    assert.deepEqual([...range.keys()], [b!.id], 'bounded by (afterId, upToId]');

    const loc = await reader.allActiveLocations();
    await t.db.updateTable('engage.users').set({ job_title: 'Changed' }).where('id', '=', a!.id).execute();
    await t.db
      .insertInto('engage.location_admins')
      .values({ user_id: b!.id, location_id: loc.locations[0]!.id })
      .execute();
    const after = await reader.userDigests({ afterId: 0, upToId: null });
    assert.notEqual(after.get(a!.id), digests.get(a!.id), 'a changed column');
    assert.notEqual(after.get(b!.id), digests.get(b!.id), 'an administered location more');
    assert.equal(after.get(c!.id), digests.get(c!.id), 'an untouched row');
  });

  it('finds identities shared up to case, keyed by a hash', async () => {
    const a = await addUser('Dana.Scully@Example.com');
    const b = await addUser('dscully', { email: 'dana.scully@example.com' });
    await addUser('fmulder', { email: 'not-an-email' });
    await addUser('fmulder2', { email: 'not-an-email' });
    const inactive = await addUser('wskinner', { email: 'DANA.SCULLY@example.com', active: false });
    const groups = await reader.identityConflicts();
    assert.deepEqual(groups, [{ identityHash: identityHash('dana.scully@example.com'), userIds: [a, b] }]);
    assert.ok(!groups[0]!.userIds.includes(inactive));
    assert.deepEqual(await reader.identityConflicts([a]), groups);
    assert.deepEqual(await reader.identityConflicts([1]), []);
  });

  it('loads the active locations only', async () => {
    await t.db
      .updateTable('engage.locations')
      .set({ active: false })
      .where('name', '=', 'Paris – Opéra')
      .execute();
    const active = await reader.allActiveLocations();
    assert.deepEqual(
      active.locations.map((l) => l.name),
      ['London – Soho', 'Tokyo – Shibuya'],
    );
  });

  it('reads a user type it does not know as it is: the rules, not the reader, decide (never a bad row)', async () => {
    await sql`ALTER TABLE engage.users DROP CONSTRAINT users_user_type_check`.execute(t.db);
    const odd = await addUser('odd@example.com', { user_type: 'super_admin' });
    const page = await reader.usersPage({ afterId: 0, limit: 1000 });
    assert.deepEqual(page.invalid, []);
    assert.equal(page.users.find((u) => u.id === odd)?.userType, 'super_admin');
    const one = await reader.userById(odd);
    assert.equal(one.status === 'found' && one.user.userType, 'super_admin');
  });

  it('reports a malformed row without failing the page', async () => {
    const odd = await addUser('blank-type@example.com', { user_type: ' ' });
    const page = await reader.usersPage({ afterId: 0, limit: 1000 });
    const reason = 'user_type is empty';
    assert.deepEqual(page.invalid, [{ id: odd, reason, activeInEngage: true }]);
    assert.ok(page.users.length > 20);
    assert.ok(!page.users.some((u) => u.id === odd));
    assert.equal((await reader.userById(odd)).status, 'invalid');
    // Deleted, the malformed row still says so: a leaver, not a user who came back.
    await t.db.updateTable('engage.users').set({ deleted_at: new Date() }).where('id', '=', odd).execute();
    assert.deepEqual((await reader.usersByIds([odd])).invalid, [{ id: odd, reason, activeInEngage: false }]);
  });

  it('reads every documented user type', async () => {
    await sql`UPDATE engage.users SET user_type = 'regular' WHERE user_type NOT IN ('global_admin', 'country_admin',
      'location_admin', 'group_admin', 'video_admin', 'regular', 'vendor')`.execute(t.db);
    await sql`ALTER TABLE engage.users ADD CONSTRAINT users_user_type_check CHECK (user_type IN ('global_admin',
      'country_admin', 'location_admin', 'group_admin', 'video_admin', 'regular', 'vendor'))`.execute(t.db);
    const types = [
      'global_admin',
      'country_admin',
      'location_admin',
      'group_admin',
      'video_admin',
      'regular',
      'vendor',
    ];
    const ids: number[] = [];
    for (const type of types) ids.push(await addUser(`${type}.type@example.com`, { user_type: type }));
    const read = await reader.usersByIds(ids);
    assert.deepEqual(read.invalid, []);
    assert.deepEqual(
      read.users.map((u) => u.userType),
      types,
    );
  });

  it("aggregates a Country admin's countries and their locations in every query shape", async () => {
    const [fr1, gb, fr2, none] = await t.db
      .insertInto('engage.locations')
      .values([
        { name: 'Lyon', country: 'FR' },
        { name: 'Leeds', country: 'GB' },
        { name: 'Nantes', country: 'FR' },
        { name: 'Nowhere', country: null },
      ])
      .returning('id')
      .execute();
    const admin = await addUser('country.admin@example.com', { user_type: 'country_admin' });
    const other = await addUser('country.other@example.com', { user_type: 'country_admin' });
    await t.db
      .insertInto('engage.country_admins')
      .values([
        { user_id: admin, country: 'GB' },
        { user_id: admin, country: 'FR' },
        { user_id: other, country: 'JP' },
      ])
      .execute();
    const expected = {
      administeredCountries: ['FR', 'GB'],
      administeredCountryLocationIds: [fr1!.id, gb!.id, fr2!.id].sort((a, b) => a - b),
    };
    const pick = (u: { administeredCountries: string[]; administeredCountryLocationIds: number[] }) => ({
      administeredCountries: u.administeredCountries,
      administeredCountryLocationIds: u.administeredCountryLocationIds,
    });
    const byId = await reader.userById(admin);
    assert.ok(byId.status === 'found');
    assert.deepEqual(pick(byId.user), expected);
    assert.ok(!byId.user.administeredCountryLocationIds.includes(none!.id));
    const byIds = await reader.usersByIds([admin, other]);
    assert.deepEqual(byIds.users.map(pick), [
      expected,
      { administeredCountries: ['JP'], administeredCountryLocationIds: [] },
    ]);
    const page = await reader.usersPage({ afterId: admin - 1, limit: 2 });
    assert.deepEqual(pick(page.users[0]!), expected);
    const plain = page.users[1]!;
    assert.deepEqual(pick(plain), { administeredCountries: ['JP'], administeredCountryLocationIds: [] });
    const regular = (await reader.usersPage({ afterId: 0, limit: 1 })).users[0]!;
    assert.deepEqual(pick(regular), { administeredCountries: [], administeredCountryLocationIds: [] });
  });

  it("a Country admin's digest changes with their countries and with the locations in them", async () => {
    const admin = await addUser('digest.country@example.com', { user_type: 'country_admin' });
    const bystander = await addUser('digest.bystander@example.com', { user_type: 'country_admin' });
    const digest = async (id: number) => (await reader.userDigests({ afterId: id - 1, upToId: id })).get(id);
    const d0 = await digest(admin);
    const b0 = await digest(bystander);
    await t.db.insertInto('engage.country_admins').values({ user_id: admin, country: 'DE' }).execute();
    const d1 = await digest(admin);
    assert.notEqual(d1, d0, 'a country more');
    await t.db.insertInto('engage.locations').values({ name: 'Berlin', country: 'DE' }).execute();
    const d2 = await digest(admin);
    assert.notEqual(d2, d1, 'a location more in one of their countries');
    await t.db
      .updateTable('engage.country_admins')
      .set({ country: 'AT' })
      .where('user_id', '=', admin)
      .execute();
    assert.notEqual(await digest(admin), d2, 'another country');
    assert.equal(await digest(bystander), b0, 'nothing of theirs changed');
    const read = await reader.userById(admin);
    assert.ok(read.status === 'found');
    assert.equal(read.user.sourceDigest, await digest(admin), 'the digest a page reads is the one compared');
  });
});
