// The create path of one user (engine/create-user.ts through reconcileUser): the create body, the
// saved state, the invitation policies, and adopting a Visitor user that already has the userName.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvitationPolicy } from '../../domain/run-types';
import { type ScimUser, URN_CORE_USER, URN_VISITOR_USER } from '../../scim/wire';
import { patchesOf, syncState, userWorld } from './builders';
import { engageUser } from './fakes';

const HOUR = 3_600_000;

const world = (invitations: InvitationPolicy = { mode: 'send' }) => userWorld({ invitations });

/** A state the sync keeps for another Engage user, linked to `visitorUserId`. */
const linkedState = (engageUserId: number, visitorUserId: string, userName: string) =>
  syncState(engageUserId, visitorUserId, {
    userName,
    attributes: { givenName: 'Old', familyName: 'Colleague' },
    fingerprint: 'fp-other',
    deprovisioned: true,
  });

/** Engage user 10, and a Visitor user made by hand under its userName (with `o`), before any run. */
async function seededWorld(o: Partial<ScimUser> = {}, invitations?: InvitationPolicy) {
  const w = await world(invitations);
  w.engage.add(engageUser(10));
  return { w, seeded: w.visitor.seedUser('user10@example.com', o) };
}

describe('createUser: a new Engage user', () => {
  it('creates the Visitor user with externalId = Engage id and access to the default location', async () => {
    const w = await world();
    w.engage.add(engageUser(10, { mobilePhone: '+33612345678', jobTitle: 'Engineer' }));
    const r = await w.run(10);
    assert.equal(r.outcome, 'created');
    const creates = w.visitor.calls.filter((c) => c.method === 'createUser');
    assert.equal(creates.length, 1);
    assert.deepEqual(creates[0]!.body, {
      schemas: [URN_CORE_USER, URN_VISITOR_USER],
      externalId: '10',
      userName: 'user10@example.com',
      name: { givenName: 'Given10', familyName: 'Family10' },
      emails: [{ value: 'user10@example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+33612345678', type: 'mobile' }],
      title: 'Engineer',
      active: true,
      [URN_VISITOR_USER]: {
        defaultLocationId: 'loc-default',
        locationAccess: [{ locationId: 'loc-default', role: 'regular' }],
        sso: false,
      },
    });
    assert.equal(w.visitor.count('patchUser'), 0, 'a fresh user needs no patch');
  });

  it('a first attempt creates straight away; a retried attempt asks Visitor to look for its own user first', async () => {
    const w = await world();
    w.engage.add(engageUser(10), engageUser(11));
    await w.run(10);
    await w.run(11, { attempt: 2 });
    assert.deepEqual(
      w.visitor.createOptions.map((o) => o.retried),
      [false, true],
    );
  });

  it('saves the linked state with the vouched plan input, the run that created it, and logs create/created', async () => {
    const w = await world();
    w.engage.add(engageUser(10));
    const r = await w.run(10);
    const [visitorId] = [...w.visitor.users.keys()];
    const row = w.store.users.get(10)!;
    assert.equal(row.visitorUserId, visitorId);
    assert.equal(row.userName, 'user10@example.com');
    assert.equal(row.deprovisioned, false);
    assert.deepEqual(row.ownedAccess, { 'loc-default': 'regular' });
    assert.equal(row.planInput, w.planInput(10));
    assert.equal(row.createdByRun, 'r1');
    assert.deepEqual(r.logged, {
      run_id: 'r1',
      object_type: 'user',
      engage_id: 10,
      visitor_id: visitorId,
      user_name: 'user10@example.com',
      action: 'create',
      outcome: 'created',
      attributes: ['*'],
      duration_ms: 0,
      detail: { invitation: 'sent', invited: true },
    });
    assert.equal(r.log, null, 'the entry committed with the state: nothing left for the caller to write');
    assert.deepEqual(w.store.logs, [r.logged]);
  });

  it('records no plan input when the create comes from a full run (Visitor was read)', async () => {
    const w = await world();
    w.engage.add(engageUser(10));
    const r = await w.run(10, { full: true });
    assert.equal(r.outcome, 'created');
    assert.equal(w.store.users.get(10)!.planInput, null);
  });

  it('records no plan input when the input has none', async () => {
    const w = await world();
    w.engage.add(engageUser(10, { sourceDigest: undefined }));
    await w.run(10);
    assert.equal(w.store.users.get(10)!.visitorUserId !== null, true);
    assert.equal(w.store.users.get(10)!.planInput, null);
  });

  it('clears the failure record of a user that finally got created', async () => {
    const w = await world();
    w.engage.add(engageUser(10));
    await w.store.recordFailure(10, 'r0', ['visitor_conflict'], {});
    const failure = (await w.store.failuresByIds([10])).get(10)!;
    const r = await w.run(10, {}, { failure });
    assert.equal(r.outcome, 'created');
    assert.equal(w.store.failures.has(10), false);
  });
});

describe('createUser: invitation policies', () => {
  it('send: asks Visitor to send with the create, counts the user invited, records it sent', async () => {
    const w = await world({ mode: 'send' });
    w.engage.add(engageUser(10));
    const r = await w.run(10);
    const id = w.store.users.get(10)!.visitorUserId!;
    assert.equal(r.invited, true);
    assert.equal(r.invitationPending, false);
    assert.deepEqual(w.visitor.invitationsSent, [id], 'exactly one e-mail');
    assert.equal(w.visitor.count('sendInvitation'), 0, 'the create sent it already');
    const row = w.store.users.get(10)!;
    assert.equal(row.invitationStatus, 'sent');
    assert.equal(row.invitationSentAt?.getTime(), w.clock.now());
    assert.equal(row.invitationRunId, 'r1');
  });

  it('send: a create answer that does not say "sent" is followed by a send', async () => {
    const w = await world({ mode: 'send' });
    w.engage.add(engageUser(10));
    // A Visitor that ignores the create's sendInvitation flag.
    const create = w.visitor.createUser.bind(w.visitor);
    w.visitor.createUser = (body) => create(body, {});
    const r = await w.run(10);
    const id = w.store.users.get(10)!.visitorUserId!;
    assert.equal(w.visitor.count('sendInvitation'), 1);
    assert.deepEqual(w.visitor.invitationsSent, [id]);
    assert.equal(r.invited, true);
  });

  it('delay: no e-mail now, invitation pending, due at now + delay', async () => {
    const w = await world({ mode: 'delay', delayMs: 2 * HOUR });
    w.engage.add(engageUser(10));
    const now = new Date(w.clock.now() - 5_000); // the run's now, not the clock's
    const r = await w.run(10, { now });
    assert.equal(r.outcome, 'created');
    assert.equal(r.invited, false);
    assert.equal(r.invitationPending, true);
    assert.deepEqual(w.visitor.invitationsSent, []);
    assert.equal(w.visitor.count('sendInvitation'), 0);
    assert.equal(w.visitor.count('createUser'), 1);
    const row = w.store.users.get(10)!;
    assert.equal(row.invitationStatus, 'pending');
    assert.equal(row.invitationDueAt?.getTime(), now.getTime() + 2 * HOUR);
    assert.equal(row.invitationSentAt, null);
    assert.equal(await w.store.countPendingInvitations('r1'), 1);
    assert.deepEqual((r.log ?? r.logged)?.detail, { invitation: 'pending' });
  });

  it('disabled: no e-mail, recorded disabled', async () => {
    const w = await world({ mode: 'disabled' });
    w.engage.add(engageUser(10));
    const r = await w.run(10);
    assert.equal(r.invited, false);
    assert.equal(r.invitationPending, false);
    assert.deepEqual(w.visitor.invitationsSent, []);
    assert.equal(w.visitor.count('sendInvitation'), 0);
    assert.equal(w.store.users.get(10)!.invitationStatus, 'disabled');
    assert.deepEqual((r.log ?? r.logged)?.detail, { invitation: 'disabled' });
  });

  it('the policy comes from the run context, not the settings', async () => {
    const w = await world({ mode: 'send' });
    w.engage.add(engageUser(10));
    const r = await w.run(10, { invitations: { mode: 'disabled' } });
    assert.equal(r.invited, false);
    assert.deepEqual(w.visitor.invitationsSent, []);
  });
});

describe('createUser: adopting a Visitor user that already has the userName', () => {
  it('adopts a hand-made user: patched into line with externalId set, no plan input, invitation skipped', async () => {
    const { w, seeded } = await seededWorld({}, { mode: 'send' });
    const r = await w.run(10);
    assert.equal(r.outcome, 'adopted');
    assert.equal(w.visitor.users.size, 1, 'no second Visitor user');
    const patches = patchesOf(w);
    assert.equal(patches.length, 1);
    assert.equal(w.visitor.calls.find((c) => c.method === 'patchUser')!.id, seeded.id);
    const ops = patches[0]!;
    assert.deepEqual(
      ops.find((o) => o.path === 'externalId'),
      { op: 'replace', path: 'externalId', value: '10' },
    );
    assert.ok(ops.some((o) => o.path === 'name.givenName' && o.value === 'Given10'));
    assert.ok(ops.some((o) => o.path === 'name.familyName' && o.value === 'Family10'));
    assert.ok(
      ops.some((o) => o.op === 'add' && o.path === `${URN_VISITOR_USER}:locationAccess`),
      'grants the default location',
    );
    assert.ok(!ops.some((o) => o.path === 'active'), 'an active user is not reactivated');
    const row = w.store.users.get(10)!;
    assert.equal(row.visitorUserId, seeded.id);
    assert.equal(row.planInput, null, "an adopted user's state is not vouched");
    assert.deepEqual(row.ownedAccess, { 'loc-default': 'regular' });
    assert.equal(row.invitationStatus, 'skipped');
    assert.equal(r.invited, false);
    assert.equal(w.visitor.count('sendInvitation'), 0, 'someone else onboarded this user');
    assert.deepEqual(w.visitor.invitationsSent, []);
    assert.equal((r.log ?? r.logged)?.action, 'adopt');
    assert.equal((r.log ?? r.logged)?.outcome, 'adopted');
    assert.equal((r.log ?? r.logged)?.visitor_id, seeded.id);
    assert.deepEqual((r.log ?? r.logged)?.attributes, ['name.givenName', 'name.familyName']);
    assert.deepEqual((r.log ?? r.logged)?.detail, { invitation: 'skipped' });
  });

  it('writes Engage’s spelling of a userName Visitor holds in another case', async () => {
    const w = await world();
    w.engage.add(engageUser(10));
    w.visitor.seedUser('USER10@Example.com', { name: { givenName: 'Given10', familyName: 'Family10' } });
    w.visitor.seedUser('USER11@Example.com');
    w.engage.add(engageUser(11));
    const r = await w.run(10);
    assert.equal(r.outcome, 'adopted');
    assert.deepEqual((r.log ?? r.logged)?.attributes, ['userName']);
    const r11 = await w.run(11);
    assert.deepEqual((r11.log ?? r11.logged)?.attributes, ['userName', 'name.givenName', 'name.familyName']);
    assert.ok(patchesOf(w)[0]!.some((o) => o.path === 'userName' && o.value === 'user10@example.com'));
  });

  it('reactivates an adopted user that was inactive, and leaves hand-granted access alone', async () => {
    const { w } = await seededWorld({
      active: false,
      [URN_VISITOR_USER]: { locationAccess: [{ locationId: 'loc-other', role: 'admin' }] },
    } as never);
    await w.run(10);
    const ops = patchesOf(w)[0]!;
    assert.ok(ops.some((o) => o.path === 'active' && o.value === true));
    assert.ok(!ops.some((o) => o.op === 'remove'), 'access the sync does not own is kept');
    assert.deepEqual(w.store.users.get(10)!.ownedAccess, { 'loc-default': 'regular' });
  });

  it('adopts an empty externalId as nobody’s', async () => {
    const { w } = await seededWorld({ externalId: '' });
    const r = await w.run(10);
    assert.equal(r.outcome, 'adopted');
    assert.equal(w.store.users.get(10)!.invitationStatus, 'skipped');
  });

  it('send: re-sends the invitation of a user our own crashed attempt created, when not sent yet', async () => {
    const { w, seeded: ours } = await seededWorld({ externalId: '10' }, { mode: 'send' });
    const r = await w.run(10);
    assert.equal(r.outcome, 'adopted');
    assert.equal(w.visitor.count('sendInvitation'), 1);
    assert.deepEqual(w.visitor.invitationsSent, [ours.id]);
    assert.equal(r.invited, true);
    assert.equal(w.store.users.get(10)!.invitationStatus, 'sent');
    assert.ok(!patchesOf(w)[0]!.some((o) => o.path === 'externalId'), 'externalId already right');
  });

  it('send: does not re-send an invitation Visitor already sent to our own user', async () => {
    const { w } = await seededWorld(
      {
        externalId: '10',
        [URN_VISITOR_USER]: { invitation: { status: 'sent' } },
      } as never,
      { mode: 'send' },
    );
    const r = await w.run(10);
    assert.equal(r.outcome, 'adopted');
    assert.equal(w.visitor.count('sendInvitation'), 0);
    assert.equal(r.invited, false);
    assert.equal(w.store.users.get(10)!.invitationStatus, 'sent');
  });

  it('delay: our own user not yet invited is pending; one already invited is sent, not pending', async () => {
    const w = await world({ mode: 'delay', delayMs: HOUR });
    w.engage.add(engageUser(10), engageUser(11));
    w.visitor.seedUser('user10@example.com', { externalId: '10' });
    w.visitor.seedUser('user11@example.com', {
      externalId: '11',
      [URN_VISITOR_USER]: { invitation: { status: 'sent' } },
    } as never);
    const r10 = await w.run(10);
    const r11 = await w.run(11);
    assert.equal(r10.invitationPending, true);
    assert.equal(w.store.users.get(10)!.invitationStatus, 'pending');
    assert.equal(w.store.users.get(10)!.invitationDueAt?.getTime(), w.clock.now() + HOUR);
    assert.equal(r11.invitationPending, false);
    assert.equal(w.store.users.get(11)!.invitationStatus, 'sent');
    assert.equal(w.visitor.count('sendInvitation'), 0);
  });

  it('disabled: our own adopted user is recorded disabled, nobody else’s skipped', async () => {
    const w = await world({ mode: 'disabled' });
    w.engage.add(engageUser(10), engageUser(11));
    w.visitor.seedUser('user10@example.com', { externalId: '10' });
    w.visitor.seedUser('user11@example.com');
    await w.run(10);
    await w.run(11);
    assert.equal(w.store.users.get(10)!.invitationStatus, 'disabled');
    assert.equal(w.store.users.get(11)!.invitationStatus, 'skipped');
    assert.equal(w.visitor.count('sendInvitation'), 0);
  });

  it('adopts a Visitor user the store already links to this same Engage user', async () => {
    const { w, seeded } = await seededWorld({ externalId: '10' });
    w.store.seedUser(linkedState(10, seeded.id, 'user10@example.com'));
    // Planned as a create (as after a re-plan that found the link gone), while the store still links it.
    const r = await w.run(10, {}, { state: null });
    assert.equal(r.outcome, 'adopted');
    assert.equal(w.store.failures.has(10), false);
  });

  it('refuses a Visitor user linked to another Engage user in the store', async () => {
    const { w, seeded } = await seededWorld();
    w.store.seedUser(linkedState(20, seeded.id, 'user10@example.com'));
    const r = await w.run(10);
    assert.equal(r.outcome, 'failed');
    assert.equal(r.writeFailed, true);
    assert.equal(r.invited, false);
    assert.equal(w.visitor.count('patchUser'), 0, 'the other user is left alone');
    assert.equal(w.visitor.count('sendInvitation'), 0);
    assert.equal(w.store.users.has(10), false, 'no state links the two');
    assert.equal(w.store.users.get(20)!.visitorUserId, seeded.id);
    const f = w.store.failures.get(10)!;
    assert.deepEqual(f.codes, ['identity_taken']);
    assert.equal(f.detail.otherEngageUserId, 20);
    assert.equal((r.log ?? r.logged)?.action, 'adopt');
    assert.equal((r.log ?? r.logged)?.outcome, 'failed');
    assert.equal((r.log ?? r.logged)?.visitor_id, seeded.id);
  });

  it('refuses a Visitor user that carries another externalId', async () => {
    const { w } = await seededWorld({ externalId: '99' });
    const r = await w.run(10);
    assert.equal(r.outcome, 'failed');
    assert.equal(r.writeFailed, true);
    assert.equal(w.visitor.count('patchUser'), 0);
    assert.equal(w.store.users.has(10), false);
    const f = w.store.failures.get(10)!;
    assert.deepEqual(f.codes, ['identity_taken']);
    assert.equal(f.detail.otherEngageUserId, '99');
  });
});

describe('createUser: a create retried after its answer was lost, the e-mail changed meanwhile', () => {
  // The lost attempt made user10 under its old address; the retry sends the new one with the same
  // externalId. The client (modelled by FakeVisitor.createUser) adopts by externalId first.
  it('adopts our own user by externalId and renames it: one Visitor user, with the new userName', async () => {
    const w = await world({ mode: 'send' });
    w.engage.add(engageUser(10));
    const ours = w.visitor.seedUser('old10@example.com', {
      externalId: '10',
      name: { givenName: 'Given10', familyName: 'Family10' },
    });
    const r = await w.run(10);
    assert.equal(r.outcome, 'adopted');
    assert.equal(w.visitor.users.size, 1, 'no duplicate');
    assert.equal(w.visitor.users.get(ours.id)!.userName, 'user10@example.com');
    const ops = patchesOf(w)[0]!;
    assert.ok(ops.some((o) => o.path === 'userName' && o.value === 'user10@example.com'));
    assert.ok(
      ops.some((o) => o.path === 'emails[type eq "work"].value' && o.value === 'user10@example.com'),
      'the work e-mail changes with the userName',
    );
    assert.ok(!ops.some((o) => o.path === 'externalId'), 'externalId already right');
    assert.equal(ops.filter((o) => o.path === 'userName').length, 1);
    assert.deepEqual((r.log ?? r.logged)?.attributes, ['userName', 'emails']);
    const row = w.store.users.get(10)!;
    assert.equal(row.visitorUserId, ours.id);
    assert.equal(row.userName, 'user10@example.com');
    // Ours (externalId = Engage id): its invitation is still owed, sent once.
    assert.deepEqual(w.visitor.invitationsSent, [ours.id]);
    assert.equal(r.invited, true);
    assert.equal(w.store.failures.has(10), false);
  });

  it('adopts our own user even when a hand-made user holds the new address (externalId first)', async () => {
    const w = await world();
    w.engage.add(engageUser(10));
    const ours = w.visitor.seedUser('old10@example.com', { externalId: '10' });
    w.visitor.seedUser('user10@example.com');
    const r = await w.run(10);
    assert.equal(r.outcome, 'adopted');
    assert.equal((r.log ?? r.logged)?.visitor_id, ours.id);
    assert.equal(w.store.users.get(10)!.visitorUserId, ours.id);
    assert.equal(w.visitor.users.size, 2, 'no third user');
  });
});
