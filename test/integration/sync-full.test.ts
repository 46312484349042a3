// A full reconcile reads Visitor's side too and corrects drift made there by hand — which a
// fingerprint-only daily run cannot see — while leaving hand-granted admin rights alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInvariants } from '../../dev/harness/invariants';
import { VisitorScimClient } from '../../scim/client';
import { removeLocationAccess, setLocationRole, setUserAttributes } from '../../scim/patch';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { EMULATOR_TOKEN, SyncHarness } from '../support/sync-harness';

test('full reconcile corrects attributes and access edited by hand and recreates users deleted by hand', async () => {
  const h = await SyncHarness.create('full');
  const visitor = new VisitorScimClient({ baseUrl: h.emulator.baseUrl, token: EMULATOR_TOKEN });
  try {
    await addLocations(h.engage.db, ['Madrid', 'Malaga']);
    const ids = await addUsers(h.engage.db, [{ jobTitle: 'Chef' }, {}, {}, {}]);
    await h.startWorker();
    assert.equal((await h.runSync({ kind: 'initial' })).status, 'completed');
    const before = await h.visitorState();
    const v = (engageId: number) => before.users.find((u) => u.externalId === String(engageId))!;
    const malaga = before.locations.find((l) => l.name === 'Malaga')!.id;
    const madrid = before.locations.find((l) => l.name === 'Madrid')!.id;
    // Hand edits in Visitor.
    await visitor.patchUser(v(ids[0]!).id, setUserAttributes({ title: 'Edited by hand' }));
    await visitor.patchUser(v(ids[1]!).id, removeLocationAccess(malaga));
    await visitor.deleteUser(v(ids[2]!).id);
    await visitor.patchUser(v(ids[3]!).id, setLocationRole(madrid, 'admin'));

    const daily = await h.runSync({ kind: 'daily', full: false });
    assert.equal(daily.counts.unchanged, 4, 'a fingerprint-only run cannot see edits made in Visitor');

    const full = await h.runSync({ kind: 'daily', full: true });
    assert.equal(full.status, 'completed', full.reason);
    assert.equal(full.counts.updated, 2, 'title and access restored');
    assert.equal(full.counts.created, 1, 'the user deleted by hand is created again');
    const after = await h.visitorState();
    const a = (engageId: number) => after.users.find((u) => u.externalId === String(engageId))!;
    assert.equal(a(ids[0]!).title, 'Chef');
    const malagaIndex = after.locations.findIndex((l) => l.id === malaga);
    const madridIndex = after.locations.findIndex((l) => l.id === madrid);
    assert.equal(a(ids[1]!).access[malagaIndex], 'r');
    assert.ok(a(ids[2]!));
    assert.equal(a(ids[3]!).access[madridIndex], 'a', 'an admin right granted by hand is never demoted');
    assert.deepEqual(
      await checkInvariants(h, {
        accessToAllLocations: true,
        handGrantedAdmins: [{ visitorUserId: a(ids[3]!).id, locationId: madrid }],
      }),
      [],
    );
  } finally {
    visitor.close();
    await h.close();
  }
});
