// Initial sync into a Visitor that already holds some users (adopted, hand-granted rights kept), and
// dirty Engage rows that are reported without blocking anyone else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInvariants } from '../../dev/harness/invariants';
import { VisitorScimClient } from '../../scim/client';
import { URN_CORE_USER, URN_VISITOR_LOCATION, URN_VISITOR_USER } from '../../scim/wire';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { EMULATOR_TOKEN, SyncHarness } from '../support/sync-harness';

test('users already in Visitor are adopted (case-insensitive userName), hand-granted admin kept, no invitation', async () => {
  const h = await SyncHarness.create('adopt');
  const visitor = new VisitorScimClient({ baseUrl: h.emulator.baseUrl, token: EMULATOR_TOKEN });
  try {
    await addLocations(h.engage.db, ['Paris']);
    const [a] = await addUsers(h.engage.db, [
      { username: 'ada.lovelace@example.com' },
      { username: 'alan.turing@example.com' },
    ]);
    // Before any sync: Visitor was used by hand. A location made by hand, and Ada with admin there.
    const def = await visitor.getDefaultLocation();
    const { location: annex } = await visitor.createLocation({
      schemas: [URN_VISITOR_LOCATION],
      name: 'Annex (made by hand)',
    });
    await visitor.createUser(
      {
        schemas: [URN_CORE_USER, URN_VISITOR_USER],
        userName: 'ADA.Lovelace@example.com',
        name: { givenName: 'Ada', familyName: 'Old' },
        emails: [{ value: 'ADA.Lovelace@example.com', type: 'work', primary: true }],
        active: true,
        [URN_VISITOR_USER]: {
          defaultLocationId: def.id,
          locationAccess: [{ locationId: annex.id, role: 'admin' }],
        },
      },
      { sendInvitation: true },
    );

    await h.startWorker();
    const r = await h.runSync({ kind: 'initial', invitations: { mode: 'send' } });
    assert.equal(r.status, 'completed', r.reason);
    assert.equal(r.counts.adopted, 1);
    assert.equal(r.counts.created, 1);
    const state = await h.visitorState();
    assert.equal(state.users.length, 2, 'no duplicate for the adopted user');
    const ada = state.users.find((u) => u.userName.toLowerCase() === 'ada.lovelace@example.com')!;
    assert.notEqual(ada.name.familyName, 'Old', 'adopted user brought into line with Engage');
    assert.equal(ada.externalId, String(a), 'adopted user linked by externalId = Engage id');
    const annexIndex = state.locations.findIndex((l) => l.id === annex.id);
    assert.equal(ada.access[annexIndex], 'a', 'admin right granted by hand is never touched');
    const adaSends = state.invitations.filter((i) => i.userId === ada.id).length;
    assert.equal(adaSends, 1, 'the adopted user keeps the one invitation it had, none added');
    assert.deepEqual(
      await checkInvariants(h, {
        invitations: 'send',
        handGrantedAdmins: [{ visitorUserId: ada.id, locationId: annex.id }],
      }),
      [],
    );
    // The admin right at Annex stays the superuser's: the sync never takes ownership of it.
    const row = await h.sync.db
      .selectFrom('sync.users')
      .innerJoin('sync.access_sets', 'sync.access_sets.digest', 'sync.users.owned_access_digest')
      .select(['access', 'invitation_status'])
      .where('engage_user_id', '=', a!)
      .executeTakeFirstOrThrow();
    assert.equal(row.invitation_status, 'skipped');
    assert.notEqual(row.access[annex.id], 'admin');
  } finally {
    visitor.close();
    await h.close();
  }
});

test('dirty rows are recorded as failed with a reason and never block the others', async () => {
  // Long values refused, as before they were shortened (sync-engage-types-long-values.test.ts).
  const h = await SyncHarness.create('dirty', { env: { SYNC_LONG_VALUES: 'refuse' } });
  try {
    await addLocations(h.engage.db, ['Kyoto']);
    const [noMail, badMail, dupA, dupB, longName, localPhone, emoji, cjk, fine] = await addUsers(
      h.engage.db,
      [
        { username: 'jdoe', email: null },
        { username: 'kim', email: 'kim@@example' },
        { username: 'sp1', email: 'Same.Person@example.com' },
        { username: 'sp2', email: 'same.person@EXAMPLE.com' },
        { givenName: 'X'.repeat(300) },
        { mobilePhone: '020 7946 0000' },
        { givenName: '🦄 Uni', familyName: 'Corn 🌈' },
        { givenName: '太郎', familyName: '山田' },
        { username: 'plain', email: 'plain.user@example.com' },
      ],
    );
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial', invitations: { mode: 'disabled' } });
    assert.equal(r.status, 'completed', r.reason);
    assert.equal(r.counts.failed, 5);
    assert.equal(r.counts.created, 4);
    const failures = await h.sync.db
      .selectFrom('sync.user_failures')
      .select(['engage_user_id', 'codes'])
      .orderBy('engage_user_id')
      .execute();
    assert.deepEqual(
      failures.map((f) => [f.engage_user_id, f.codes]),
      [
        [noMail, ['missing_email']],
        [badMail, ['invalid_email']],
        [dupA, ['duplicate_identity']],
        [dupB, ['duplicate_identity']],
        [longName, ['value_too_long']],
      ],
    );
    const state = await h.visitorState();
    const byExt = (id: number) => state.users.find((u) => u.externalId === String(id));
    assert.equal(
      byExt(localPhone!)?.phoneNumbers?.length ?? 0,
      0,
      'a local-format phone is left out, the user provisioned',
    );
    assert.equal(byExt(emoji!)?.name.givenName, '🦄 Uni');
    assert.equal(byExt(cjk!)?.name.familyName, '山田');
    assert.equal(
      byExt(fine!)?.userName,
      'plain.user@example.com',
      'username not an e-mail → the e-mail is the identifier',
    );
    const log = await h.sync.db
      .selectFrom('sync.log')
      .select(['engage_id', 'outcome', 'detail'])
      .where('outcome', '=', 'failed')
      .execute();
    assert.equal(log.length, 5);
    assert.ok(
      log.every((l) => JSON.stringify(l.detail).includes('message')),
      'each failure says why',
    );
    assert.deepEqual(await checkInvariants(h), []);
  } finally {
    await h.close();
  }
});

test('a user that keeps failing waits out a growing back-off, and is retried at once when Engage changes it', async () => {
  const h = await SyncHarness.create('quarantine');
  try {
    await addLocations(h.engage.db, ['Lund']);
    const [bad] = await addUsers(h.engage.db, [{ username: 'broken', email: 'not-an-email' }, {}]);
    await h.startWorker();
    const outcomes: number[] = [];
    for (let run = 0; run < 4; run++) {
      const r = await h.runSync({ kind: run === 0 ? 'initial' : 'daily' });
      outcomes.push(r.counts.quarantined ?? 0);
      if (run < 3) assert.equal(r.counts.failed, 1, `run ${run}: tried and failed`);
    }
    assert.deepEqual(
      outcomes,
      [0, 0, 0, 1],
      'after 3 consecutive failures the user is skipped as quarantined',
    );
    const f = await h.sync.db
      .selectFrom('sync.user_failures')
      .selectAll()
      .where('engage_user_id', '=', bad!)
      .executeTakeFirstOrThrow();
    assert.equal(f.failure_count, 3);
    assert.ok(f.next_attempt_at.getTime() > Date.now() + 23 * 3_600_000, 'next attempt a day later');
    const log = await h.sync.db
      .selectFrom('sync.log')
      .select('outcome')
      .where('engage_id', '=', bad!)
      .execute();
    assert.ok(
      log.some((l) => l.outcome === 'quarantined'),
      'shown as such in the log',
    );
    // Fixed in Engage: retried at once, provisioned, failure cleared.
    await h.engage.db
      .updateTable('engage.users')
      .set({ email: 'fixed.user@example.com' })
      .where('id', '=', bad!)
      .execute();
    const fixed = await h.runSync({ kind: 'daily' });
    assert.equal(fixed.counts.created, 1);
    assert.equal((await h.sync.db.selectFrom('sync.user_failures').selectAll().execute()).length, 0);
  } finally {
    await h.close();
  }
});

test('after the sync state is lost, users the sync created are adopted back without a second invitation', async () => {
  const h = await SyncHarness.create('lost_state');
  try {
    await addLocations(h.engage.db, ['Gent']);
    await addUsers(h.engage.db, [{}, {}, {}]);
    await h.startWorker();
    const first = await h.runSync({ kind: 'initial', invitations: { mode: 'send' } });
    assert.equal(first.counts.invited, 3);
    await h.sync.db.deleteFrom('sync.users').execute(); // the state database restored from an empty backup
    const again = await h.runSync({ kind: 'initial', invitations: { mode: 'send' } });
    assert.equal(again.counts.adopted, 3);
    assert.equal(again.counts.invited ?? 0, 0, 'nobody is invited twice');
    const state = await h.visitorState();
    assert.equal(state.users.length, 3);
    assert.equal(state.invitations.length, 3);
    assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true, invitations: 'send' }), []);
  } finally {
    await h.close();
  }
});
