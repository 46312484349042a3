// A daily run passes over users whose recorded plan input (Engage row digest + planning context) is
// unchanged, without reading them in full — and still plans every user whose row, administered
// locations, context or record changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { checkInvariants } from '../../dev/harness/invariants';
import { addLocations, addUsers, softDelete } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

const writes = (s: { byMethod?: Record<string, number> }) =>
  (s.byMethod?.POST ?? 0) + (s.byMethod?.PATCH ?? 0) + (s.byMethod?.PUT ?? 0) + (s.byMethod?.DELETE ?? 0);

test('daily runs pass over users whose plan input is unchanged and plan all others', async () => {
  const h = await SyncHarness.create('plan_input', {
    env: {
      SYNC_LOCATION_ADMINS_ADMINISTER_THEIR_LOCATIONS: 'true',
      SYNC_PAGE_SIZE: '3',
      SYNC_DELETE_THRESHOLD_PERCENT: '100',
    },
  });
  try {
    const [l1, l2] = await addLocations(h.engage.db, ['Leeds', 'Lyon', 'Lisbon']);
    const [la, r1, r2, r3, , r5] = await addUsers(h.engage.db, [
      { userType: 'location_admin', administers: [l1!] },
      { givenName: 'Grace' },
      {},
      {},
      { userType: 'vendor', username: 'v.one@vendor.example' },
      {},
    ]);
    await h.startWorker();
    const first = await h.runSync({ kind: 'initial' });
    assert.equal(first.status, 'completed', first.reason);
    assert.equal(first.counts.created, 6);

    const inputs = async () =>
      new Map(
        (await h.sync.db.selectFrom('sync.users').select(['engage_user_id', 'plan_input']).execute()).map(
          (r) => [r.engage_user_id, r.plan_input],
        ),
      );
    const givenNameInState = async (id = r1!) =>
      (
        await h.sync.db
          .selectFrom('sync.users')
          .select(sql<string>`attributes->>'givenName'`.as('given'))
          .where('engage_user_id', '=', id)
          .executeTakeFirstOrThrow()
      ).given;
    // An edit the sync.users trigger does not see (it is switched off around it), so the recorded
    // plan input stays: what a daily run then does shows whether it trusted the record.
    const alterUnseen = async (ids: number[], given = 'Altered') => {
      await sql`ALTER TABLE sync.users DISABLE TRIGGER users_forget_plan_input`.execute(h.sync.db);
      await setGiven(ids, given);
      await sql`ALTER TABLE sync.users ENABLE TRIGGER users_forget_plan_input`.execute(h.sync.db);
    };
    const setGiven = (ids: number[], given: string) =>
      h.sync.db
        .updateTable('sync.users')
        .set({ attributes: sql`jsonb_set(attributes, '{givenName}', to_jsonb(${given}::text))` })
        .where('engage_user_id', 'in', ids)
        .execute();
    const engageGiven = async (id: number) =>
      (
        await h.engage.db
          .selectFrom('engage.users')
          .select('given_name')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).given_name;
    const afterInitial = await inputs();
    assert.equal(afterInitial.size, 6);
    const contexts = new Set([...afterInitial.values()].map((v) => v?.split(':')[0]));
    assert.equal(contexts.size, 1, 'one planning context for the whole run');
    assert.ok([...afterInitial.values()].every((v) => /^[0-9a-f]{16}:[0-9a-f]{32}$/.test(v ?? '')));

    // The sync's own record of r1 is altered while its plan input still matches: the daily run trusts
    // the input and passes r1 over (this is what makes it cheap). A location admin gains a location
    // through engage.location_admins alone.
    await alterUnseen([r1!]);
    await h.engage.db
      .insertInto('engage.location_admins')
      .values({ user_id: la!, location_id: l2! })
      .execute();
    let before = writes(await h.visitorStats());
    const daily = await h.runSync({ kind: 'daily' });
    assert.equal(daily.status, 'completed', daily.reason);
    assert.deepEqual(daily.counts, { unchanged: 5, updated: 1 });
    assert.equal(writes(await h.visitorStats()) - before, 1, 'only the location admin is written');
    const lyon = (await h.visitorState()).locations.findIndex((l) => l.name === 'Lyon');
    const admin = (await h.visitorState()).users.find((u) => u.externalId === String(la));
    assert.equal(admin?.access[lyon], 'a', 'admin at the newly administered location');
    assert.equal(await givenNameInState(), 'Altered', 'r1 was passed over, not planned');

    // An edit of the state by anything that does not record an input (an operator's SQL, an older
    // worker) makes the trigger forget the recorded one: the user is planned again and the record
    // repaired (Visitor needs no write: the fingerprint of what was written still matches).
    await setGiven([r1!], 'Altered again');
    assert.equal((await inputs()).get(r1!), null, 'the trigger forgot the input');
    before = writes(await h.visitorStats());
    const second = await h.runSync({ kind: 'daily' });
    assert.deepEqual(second.counts, { unchanged: 6 });
    assert.equal(writes(await h.visitorStats()) - before, 0);
    assert.equal(await givenNameInState(), 'Grace', 'planned again and repaired');
    const afterSecond = await inputs();
    assert.equal(afterSecond.get(r1!), afterInitial.get(r1!), 'recorded again, the same input');

    // A new Visitor location changes the planning context: every user is planned again (none gains it:
    // new locations are not granted to existing users here), and each records the new context.
    await addLocations(h.engage.db, ['Lagos']);
    before = writes(await h.visitorStats());
    const third = await h.runSync({ kind: 'daily' });
    assert.equal(third.locations?.created, 1);
    assert.deepEqual(third.counts, { unchanged: 6 });
    assert.equal(writes(await h.visitorStats()) - before, 1, 'the location create only');
    const afterContext = await inputs();
    const newContexts = new Set([...afterContext.values()].map((v) => v?.split(':')[0]));
    assert.equal(newContexts.size, 1);
    assert.ok(!contexts.has([...newContexts][0]), 'every user records the new context');
    const rowDigest = (v: string | null | undefined) => v?.split(':')[1];
    for (const [id, v] of afterContext) {
      if (id === la)
        assert.notEqual(rowDigest(v), rowDigest(afterInitial.get(id)), 'administered locations count');
      else assert.equal(rowDigest(v), rowDigest(afterInitial.get(id)), `user ${id}: same row`);
    }

    // Nothing changed since: all passed over, no write at all.
    before = writes(await h.visitorStats());
    const fourth = await h.runSync({ kind: 'daily' });
    assert.deepEqual(fourth.counts, { unchanged: 6 });
    assert.equal(writes(await h.visitorStats()) - before, 0);

    // Always planned, whatever their recorded input: a user with a failure record (r2), users sharing
    // an identity (r3 and a newcomer with r3's e-mail in other case), and a leaver (r5).
    await alterUnseen([r2!, r3!]);
    await h.sync.db
      .insertInto('sync.user_failures')
      .values({
        engage_user_id: r2!,
        codes: ['visitor_unavailable'],
        detail: JSON.stringify({}),
        last_failed_at: new Date(Date.now() - 3_600_000),
        next_attempt_at: new Date(Date.now() - 60_000),
        last_run_id: 'earlier',
      })
      .execute();
    const { username } = await h.engage.db
      .selectFrom('engage.users')
      .select('username')
      .where('id', '=', r3!)
      .executeTakeFirstOrThrow();
    // Usernames are unique in Engage; a non-e-mail username falls back to the e-mail as identity.
    const [twin] = await addUsers(h.engage.db, [{ username: 'twin-of-r3', email: username.toUpperCase() }]);
    await softDelete(h.engage.db, [r5!]);
    const fifth = await h.runSync({ kind: 'daily' });
    assert.equal(fifth.status, 'completed', fifth.reason);
    assert.equal(fifth.counts.unchanged, 5, JSON.stringify(fifth.counts));
    assert.equal(fifth.counts.failed, 1, 'the newcomer sharing r3’s identity');
    assert.equal(fifth.counts.deleted, 1);
    assert.equal(await givenNameInState(r2!), await engageGiven(r2!), 'r2 planned');
    assert.equal(await givenNameInState(r3!), await engageGiven(r3!), 'r3 planned');
    assert.deepEqual(
      (await h.sync.db.selectFrom('sync.user_failures').select('engage_user_id').execute()).map(
        (r) => r.engage_user_id,
      ),
      [twin],
      'r2’s failure cleared; the newcomer recorded',
    );
    assert.equal((await inputs()).get(r5!), null, 'a leaver records no input: planned every run');
    assert.deepEqual(await checkInvariants(h, { locationAdminsAdministerTheirLocations: true }), []);
  } finally {
    await h.close();
  }
});
