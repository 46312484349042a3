// The sync against a Visitor that may not PATCH (the emulator with `patch: false`): the client reads
// /ServiceProviderConfig and writes every update as a read-modify-write PUT. A representative subset of
// the suite — initial sync, a day of changes (attributes, e-mail, access, default location, leavers),
// per-user runs, invitations — with the same outcomes as against a Visitor with PATCH.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkInvariants } from '../../dev/harness/invariants';
import { VisitorScimClient } from '../../scim/client';
import { setDefaultLocation } from '../../scim/patch';
import type { InvitationsResult } from '../../workflows/types';
import { addLocations, addUsers, setUserType, softDelete } from '../support/engage-fixtures';
import { EMULATOR_TOKEN, SyncHarness } from '../support/sync-harness';

let h: SyncHarness;
let ids: number[];
before(async () => {
  h = await SyncHarness.create('no_patch', {
    emulator: { patch: false },
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '100', SYNC_DEPROVISION: 'deactivate', SYNC_INVITATIONS: 'send' },
  });
  await addLocations(h.engage.db, ['Leeds', 'Lyon']);
  ids = await addUsers(h.engage.db, [
    { userType: 'global_admin' },
    {},
    {},
    {},
    { mobilePhone: '+447700900111' },
    {},
    { jobTitle: 'Engineer' },
  ]);
  await h.startWorker();
});
after(async () => h?.close());

const writes = (s: { byMethod?: Record<string, number> }) =>
  (s.byMethod?.POST ?? 0) + (s.byMethod?.PATCH ?? 0) + (s.byMethod?.PUT ?? 0) + (s.byMethod?.DELETE ?? 0);
const patches = async () => (await h.visitorStats()).byMethod?.PATCH ?? 0;
const visitorUser = async (engageId: number) =>
  (await h.visitorState()).users.find((u) => u.externalId === String(engageId));

test('initial sync without PATCH: everyone provisioned with the seed rules, invited once', async () => {
  const result = await h.runSync({ kind: 'initial', invitations: { mode: 'send' } });
  assert.equal(result.status, 'completed', result.reason);
  assert.equal(result.counts.created, ids.length);
  assert.equal(result.locations?.created, 2);
  const state = await h.visitorState();
  assert.equal(state.invitations.length, ids.length, 'one invitation per created user');
  assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true, invitations: 'send' }), []);
  assert.equal(await patches(), 0, 'the client read /ServiceProviderConfig and sent no PATCH');
});

test('a day of changes by PUT: attributes, e-mail, access, the default location, a leaver, a hire', async () => {
  const [ga, renamed, moved, promoted, phone, leaver] = ids as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // By hand in Visitor: a user homed at Leeds instead of the default location.
  const before = await h.visitorState();
  const leeds = before.locations.find((l) => l.name === 'Leeds')!.id;
  const hand = new VisitorScimClient({ baseUrl: h.emulator.baseUrl, token: EMULATOR_TOKEN });
  try {
    await hand.patchUser((await visitorUser(renamed))!.id, setDefaultLocation(leeds));
  } finally {
    hand.close();
  }
  // A day in Engage.
  await h.engage.db
    .updateTable('engage.users')
    .set({ given_name: 'Renamed' })
    .where('id', '=', renamed)
    .execute();
  const address = `moved.${moved}@example.com`;
  await h.engage.db
    .updateTable('engage.users')
    .set({ username: address, email: address })
    .where('id', '=', moved)
    .execute();
  await setUserType(h.engage.db, [ga], 'regular'); // demotion
  await setUserType(h.engage.db, [promoted], 'global_admin');
  await h.engage.db
    .updateTable('engage.users')
    .set({ mobile_phone: '+447700900222', work_phone: '+442079460000' })
    .where('id', '=', phone)
    .execute();
  await h.engage.db.updateTable('engage.users').set({ active: false }).where('id', '=', leaver).execute();
  const [hire] = await addUsers(h.engage.db, [{}]);
  await addLocations(h.engage.db, ['Lisbon']);

  const writesBefore = writes(await h.visitorStats());
  const daily = await h.runSync({ kind: 'daily' });
  assert.equal(daily.status, 'completed', daily.reason);
  assert.equal(daily.counts.created, 1);
  assert.equal(daily.counts.updated, 5);
  assert.equal(daily.counts.deactivated, 1);
  assert.equal(daily.locations?.created, 1);
  assert.equal(
    writes(await h.visitorStats()) - writesBefore,
    5 /* updates */ + 1 /* deactivation */ + 1 /* create */ + 1 /* location */,
    'one SCIM write per change',
  );

  const state = await h.visitorState();
  const def = state.locations.findIndex((l) => l.isDefault);
  const lisbon = state.locations.findIndex((l) => l.name === 'Lisbon');
  const user = (id: number) => state.users.find((u) => u.externalId === String(id))!;
  assert.equal(user(renamed).name.givenName, 'Renamed');
  assert.equal(user(renamed).defaultLocationId, state.locations[def]!.id, 'the default location restored');
  assert.equal(user(moved).userName, address);
  assert.equal(user(ga).access[def], 'r', 'demoted: regular at the default location');
  assert.equal(user(promoted).access[def], 'a', 'promoted: admin at the default location');
  assert.deepEqual(
    user(phone)
      .phoneNumbers?.map((p) => `${p.type} ${p.value}`)
      .sort(),
    ['mobile +447700900222', 'work +442079460000'],
  );
  assert.equal(user(leaver).active, false, 'deprovision=deactivate');
  assert.equal(user(hire!).access[lisbon], 'r', 'a new user gets every location, new ones included');
  assert.deepEqual(await checkInvariants(h, { invitations: 'send' }), []);
  assert.equal(await patches(), 0);
});

test('per-user runs by PUT: update, reactivate, deactivate', async () => {
  const leaver = ids[5]!;
  const engineer = ids[6]!;
  await h.engage.db
    .updateTable('engage.users')
    .set({ job_title: 'Principal Engineer' })
    .where('id', '=', engineer)
    .execute();
  assert.equal((await h.provisionUser(engineer)).outcome, 'updated');
  assert.equal((await visitorUser(engineer))?.title, 'Principal Engineer');

  await h.engage.db.updateTable('engage.users').set({ active: true }).where('id', '=', leaver).execute();
  assert.equal((await h.provisionUser(leaver)).outcome, 'reactivated');
  assert.equal((await visitorUser(leaver))?.active, true);

  await softDelete(h.engage.db, [engineer]);
  assert.equal((await h.provisionUser(engineer)).outcome, 'deactivated');
  assert.equal((await visitorUser(engineer))?.active, false);
  const writesBefore = writes(await h.visitorStats());
  assert.equal((await h.provisionUser(engineer)).outcome, 'skipped', 'already deactivated');
  assert.equal(writes(await h.visitorStats()), writesBefore, 'nothing written again');
  assert.deepEqual(await checkInvariants(h, { invitations: 'send' }), []);
  assert.equal(await patches(), 0);
});

test('delayed invitations are held, then sent once on release', async () => {
  const sentBefore = (await h.visitorState()).invitations.length;
  await addUsers(h.engage.db, [{}, {}]);
  const run = await h.runSync({ kind: 'daily', invitations: { mode: 'delay', delayMs: 3_600_000 } });
  assert.equal(run.status, 'completed', run.reason);
  assert.equal(run.counts.invitationsPending, 2);
  assert.equal((await h.visitorState()).invitations.length, sentBefore, 'held');
  const handle = h.client.workflow.getHandle(run.invitationsWorkflowId!);
  await handle.signal('releaseInvitations', { by: 'test' });
  assert.equal(((await handle.result()) as InvitationsResult).sent, 2);
  assert.equal((await h.visitorState()).invitations.length, sentBefore + 2);
  assert.deepEqual(await checkInvariants(h), []);
  assert.equal(await patches(), 0);
});
