// A daily run after a day of changes creates, updates, promotes, demotes and deletes exactly what
// changed — one SCIM write per change — and follows the new-location rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInvariants } from '../../dev/harness/invariants';
import { addLocations, addUsers, setUserType, softDelete } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

const writes = (s: { byMethod?: Record<string, number> }) =>
  (s.byMethod?.POST ?? 0) + (s.byMethod?.PATCH ?? 0) + (s.byMethod?.PUT ?? 0) + (s.byMethod?.DELETE ?? 0);

async function scenario(grantNewLocationsToExistingUsers: boolean) {
  const h = await SyncHarness.create(`churn_${grantNewLocationsToExistingUsers}`, {
    env: {
      SYNC_DELETE_THRESHOLD_PERCENT: '100',
      SYNC_GRANT_NEW_LOCATIONS_TO_EXISTING_USERS: String(grantNewLocationsToExistingUsers),
    },
  });
  try {
    await addLocations(h.engage.db, ['Leeds', 'Lyon', 'Lisbon']);
    const [ga, la, r1, r2, vendor, r3, r4] = await addUsers(h.engage.db, [
      { userType: 'global_admin' },
      { userType: 'location_admin', administers: [1] },
      {},
      {},
      { userType: 'vendor', username: 'v.one@vendor.example' },
      {},
      {},
    ]);
    await h.startWorker();
    const first = await h.runSync({ kind: 'initial', invitations: { mode: 'send' } });
    assert.equal(first.status, 'completed', first.reason);
    assert.equal(first.counts.created, 7);
    assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true, invitations: 'send' }), []);

    // A day in Engage.
    await h.engage.db
      .updateTable('engage.users')
      .set({ given_name: 'Renamed' })
      .where('id', '=', r1!)
      .execute();
    await setUserType(h.engage.db, [r2!], 'global_admin'); // promotion
    await setUserType(h.engage.db, [ga!], 'regular'); // demotion
    await softDelete(h.engage.db, [r3!]);
    await h.engage.db.updateTable('engage.users').set({ active: false }).where('id', '=', r4!).execute();
    const [n1] = await addUsers(h.engage.db, [{}]);
    await addLocations(h.engage.db, ['Lagos']);

    const before = writes(await h.visitorStats());
    const daily = await h.runSync({ kind: 'daily' });
    assert.equal(daily.status, 'completed', daily.reason);
    assert.equal(daily.counts.created, 1);
    assert.equal(daily.counts.deleted, 2);
    assert.equal(daily.locations?.created, 1);
    // r1 renamed, r2 promoted, ga demoted; with the option, la and the vendor also gain Lagos.
    assert.equal(daily.counts.updated, grantNewLocationsToExistingUsers ? 5 : 3);
    assert.equal(
      writes(await h.visitorStats()) - before,
      (daily.counts.updated ?? 0) + 1 /* user create */ + 2 /* deletes */ + 1 /* location create */,
      'one SCIM write per change',
    );

    const state = await h.visitorState();
    const def = state.locations.findIndex((l) => l.isDefault);
    const lagos = state.locations.findIndex((l) => l.name === 'Lagos');
    const user = (id: number) => state.users.find((u) => u.externalId === String(id));
    assert.equal(user(r1!)?.name.givenName, 'Renamed');
    assert.equal(user(r2!)?.access[def], 'a', 'promoted: admin at the default location');
    assert.equal(user(ga!)?.access[def], 'r', 'demoted: regular at the default location');
    assert.equal(user(r3!), undefined, 'deleted in Engage → deleted in Visitor');
    assert.equal(user(r4!), undefined, 'deactivated in Engage → deleted in Visitor (deprovision=delete)');
    assert.equal(user(n1!)?.access[lagos], 'r', 'a new user gets every location, new ones included');
    for (const id of [la!, vendor!]) {
      assert.equal(
        user(id)?.access[lagos],
        grantNewLocationsToExistingUsers ? 'r' : '-',
        `existing user ${id} and the new location`,
      );
    }
    assert.deepEqual(
      await checkInvariants(h, {
        accessToAllLocations: grantNewLocationsToExistingUsers,
        invitations: 'send',
      }),
      [],
    );
  } finally {
    await h.close();
  }
}

test('daily run after churn, new locations not granted to existing users (Eptura default)', () =>
  scenario(false));
test('daily run after churn with grantNewLocationsToExistingUsers on', () => scenario(true));

test('locationAdminsAdministerTheirLocations makes a location admin admin where they administer', async () => {
  const h = await SyncHarness.create('locadmin', {
    env: { SYNC_LOCATION_ADMINS_ADMINISTER_THEIR_LOCATIONS: 'true' },
  });
  try {
    const [l1, , l3] = await addLocations(h.engage.db, ['Oslo', 'Bergen', 'Tromsø']);
    const [la] = await addUsers(h.engage.db, [{ userType: 'location_admin', administers: [l1!, l3!] }, {}]);
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial', invitations: { mode: 'disabled' } });
    assert.equal(r.status, 'completed', r.reason);
    const state = await h.visitorState();
    const u = state.users.find((x) => x.externalId === String(la))!;
    const at = (name: string) => u.access[state.locations.findIndex((l) => l.name === name)];
    assert.deepEqual([at('Oslo'), at('Bergen'), at('Tromsø')], ['a', 'r', 'a']);
    assert.equal(state.invitations.length, 0, 'invitations disabled: none sent');
    assert.deepEqual(
      await checkInvariants(h, { accessToAllLocations: true, locationAdminsAdministerTheirLocations: true }),
      [],
    );
  } finally {
    await h.close();
  }
});
