import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { applyChurn, type ChurnSummary } from '../../dev/engage-generator/churn';
import { engageDigest } from '../../dev/engage-generator/digest';
import { createRandom } from '../../dev/engage-generator/random';
import { NotEmptyError, seedCompany } from '../../dev/engage-generator/seed';
import { engageStats } from '../../dev/engage-generator/stats';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { isEmailAddress } from '../../domain/identity';
import { toE164 } from '../../domain/phone';
import { EngageReader } from '../../engage/reader';

describe('seeded PRNG', () => {
  it('repeats per seed and differs between seeds', () => {
    const draw = (seed: string) => Array.from({ length: 5 }, createRandom(seed).next);
    assert.deepEqual(draw('a'), draw('a'));
    assert.notDeepEqual(draw('a'), draw('b'));
  });
});

describe('seedCompany', () => {
  let a: TestDatabase<EngageDatabase>;
  let b: TestDatabase<EngageDatabase>;
  before(async () => {
    [a, b] = await Promise.all([
      freshDatabase<EngageDatabase>('engage_seed_a', ['engage']),
      freshDatabase<EngageDatabase>('engage_seed_b', ['engage']),
    ]);
  });
  after(async () => Promise.all([a?.drop(), b?.drop()]));

  it('produces the same data for the same seed and different data for another', async () => {
    const summary = await seedCompany(a.db, { users: 2000, locations: 40, seed: 'x' });
    await seedCompany(b.db, { users: 2000, locations: 40, seed: 'x' });
    assert.equal(await engageDigest(a.db), await engageDigest(b.db));
    await seedCompany(b.db, { users: 2000, locations: 40, seed: 'y', reset: true });
    assert.notEqual(await engageDigest(a.db), await engageDigest(b.db));

    const stats = await engageStats(a.db);
    assert.equal(stats.users.total, 2000);
    assert.equal(stats.locations.total, 40);
    assert.deepEqual(
      stats.users.byType,
      Object.fromEntries(Object.entries(summary.usersByType).filter(([, n]) => n > 0)),
    );
    assert.equal(stats.users.inactive, summary.inactiveUsers);
    assert.ok(summary.usersByType.vendor > 40 && summary.usersByType.vendor < 170);
    assert.ok(summary.usersByType.location_admin > 20);
  });

  it('builds clean, realistic users', async () => {
    const reader = new EngageReader(a.db);
    const page = await reader.usersPage({ afterId: 0, limit: 2000 });
    assert.equal(page.invalid.length, 0);
    assert.deepEqual(await reader.identityConflicts(), []);
    const emailUsernames = page.users.filter((u) => isEmailAddress(u.username)).length;
    assert.ok(emailUsernames > 1900, `${emailUsernames} e-mail usernames`);
    assert.ok(page.users.every((u) => u.email !== null && isEmailAddress(u.email)));
    const e164 = page.users.filter(
      (u) => u.mobilePhone !== null && toE164(u.mobilePhone) === u.mobilePhone,
    ).length;
    const withMobile = page.users.filter((u) => u.mobilePhone !== null).length;
    assert.ok(e164 / withMobile > 0.8 && e164 < withMobile, `${e164}/${withMobile} E.164 mobiles`);
    for (const u of page.users.filter((x) => x.userType === 'location_admin')) {
      assert.ok(u.administeredLocationIds.length >= 1 && u.administeredLocationIds.length <= 3);
    }
    assert.ok(
      page.users
        .filter((u) => u.userType === 'vendor')
        .every((u) => !u.email!.endsWith('@meridian-group.example')),
    );
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM engage.users WHERE sso AND external_id IS NOT NULL`.execute(a.db);
    assert.ok((rows[0]?.n ?? 0) > 500);
  });

  it('refuses a non-empty database without reset', async () => {
    await assert.rejects(seedCompany(a.db, { users: 1, locations: 1 }), NotEmptyError);
  });
});

describe('applyChurn', () => {
  let t: TestDatabase<EngageDatabase>;
  let summary: ChurnSummary;
  let reader: EngageReader;
  let mark: Date;
  before(async () => {
    t = await freshDatabase<EngageDatabase>('engage_churn', ['engage']);
    reader = new EngageReader(t.db);
    await seedCompany(t.db, { users: 3000, locations: 30, seed: 7, now: new Date('2025-06-01T00:00:00Z') });
    mark = new Date();
    summary = await applyChurn(t.db, {
      update: { percent: 2 },
      create: 25,
      delete: { percent: 1 },
      deactivate: 10,
      promote: 4,
      demote: 3,
      dirty: 16,
      newLocations: 2,
      seed: 3,
    });
  });
  after(async () => t?.drop());

  it('changes exactly what its summary reports', async () => {
    const active = summary.activeUsersBefore;
    assert.equal(summary.counts.created, 25);
    assert.equal(summary.counts.deleted, Math.round(active * 0.01));
    assert.equal(summary.counts.deactivated, 10);
    assert.equal(summary.counts.promoted, 4);
    assert.equal(summary.counts.demoted, 3);
    const updated =
      summary.counts.updated_name +
      summary.counts.updated_title +
      summary.counts.updated_phone +
      summary.counts.updated_email;
    assert.equal(updated, Math.round(active * 0.02));
    assert.equal(summary.counts.new_locations, 2);

    const stats = await engageStats(t.db);
    assert.equal(stats.users.deleted, summary.counts.deleted);
    assert.equal(stats.locations.total, 32);
    const dirtyTotal = Object.entries(summary.counts)
      .filter(([k]) => k.startsWith('dirty_'))
      .reduce((s, [, n]) => s + n, 0);
    assert.equal(dirtyTotal, 16);
    assert.equal(stats.users.total, 3000 + 25 + 16);

    const deleted = await reader.usersByIds(summary.userIds.deleted);
    assert.ok(deleted.users.every((u) => u.deletedAt !== null));
    const promoted = await reader.usersByIds(summary.userIds.promoted);
    assert.ok(promoted.users.every((u) => u.userType === 'global_admin'));
    const deactivated = await reader.usersByIds(summary.userIds.deactivated);
    assert.ok(deactivated.users.every((u) => !u.active && u.deletedAt === null));
  });

  it('touches every changed user, and only those (their updated_at moves past the mark)', async () => {
    const changed = new Set(Object.values(summary.userIds).flat());
    const rows = await t.db.selectFrom('engage.users').select('id').where('updated_at', '>=', mark).execute();
    assert.deepEqual(
      rows.map((r) => r.id).sort((x, y) => x - y),
      [...changed].sort((x, y) => x - y),
    );
  });

  it('adds the dirty rows real data has', async () => {
    const get = async (kind: keyof ChurnSummary['userIds']) =>
      (await reader.usersByIds(summary.userIds[kind])).users;
    for (const u of await get('dirty_no_email')) assert.ok(u.email === null && !isEmailAddress(u.username));
    for (const u of await get('dirty_invalid_email'))
      assert.ok(!isEmailAddress(u.email!) && !isEmailAddress(u.username));
    for (const u of await get('dirty_non_email_username'))
      assert.ok(isEmailAddress(u.email!) && !isEmailAddress(u.username));
    for (const u of await get('dirty_long_name')) assert.ok((u.givenName ?? '').length >= 300);
    for (const u of await get('dirty_emoji_name'))
      assert.match(`${u.givenName} ${u.familyName}`, /\p{Extended_Pictographic}/u);
    for (const u of await get('dirty_non_latin_name'))
      assert.match(`${u.givenName}${u.familyName}`, /[^\p{Script=Latin}\s]/u);
    for (const u of await get('dirty_local_phone'))
      assert.equal(u.mobilePhone === null || toE164(u.mobilePhone) === u.mobilePhone, false);
    assert.equal(summary.caseDuplicates.length, summary.counts.dirty_case_duplicate_email);
    const conflicts = await reader.identityConflicts();
    for (const { userId, duplicateOf } of summary.caseDuplicates) {
      assert.ok(conflicts.some((g) => g.userIds.includes(userId) && g.userIds.includes(duplicateOf)));
    }
    assert.equal(conflicts.length, summary.caseDuplicates.length);
  });

  it('is deterministic for the same starting data and seed', async () => {
    const other = await freshDatabase<EngageDatabase>('engage_churn2', ['engage']);
    try {
      await seedCompany(other.db, { users: 3000, locations: 30, seed: 7 });
      const again = await applyChurn(other.db, {
        update: { percent: 2 },
        create: 25,
        delete: { percent: 1 },
        deactivate: 10,
        promote: 4,
        demote: 3,
        dirty: 16,
        newLocations: 2,
        seed: 3,
      });
      assert.deepEqual(again.userIds, summary.userIds);
      assert.equal(await engageDigest(other.db), await engageDigest(t.db));
    } finally {
      await other.drop();
    }
  });
});
