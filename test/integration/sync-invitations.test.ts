// Delayed invitations: a durable timer per run, users deleted meanwhile skipped, operators can
// release the batch early or cancel it; per-user provisioning brings one user into line now.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkInvariants } from '../../dev/harness/invariants';
import type { InvitationsResult } from '../../workflows/types';
import { addLocations, addUsers, softDelete } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

let h: SyncHarness;
before(async () => {
  h = await SyncHarness.create('invites', {
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '100', SYNC_INVITATIONS: 'send' },
  });
  await addLocations(h.engage.db, ['Berlin', 'Bonn']);
  await h.startWorker();
});
after(async () => h?.close());

const invitationsOf = async () => (await h.visitorState()).invitations;

test('delay: nothing is sent before the timer; then every created user once, except one deleted meanwhile', async () => {
  const ids = await addUsers(h.engage.db, [{}, {}, {}, {}]);
  const run = await h.runSync({ kind: 'initial', invitations: { mode: 'delay', delayMs: 5_000 } });
  assert.equal(run.status, 'completed', run.reason);
  assert.equal(run.counts.invitationsPending, 4);
  assert.equal(run.invitationsWorkflowId, `invitations-${run.runId}`);
  assert.equal((await invitationsOf()).length, 0, 'held until the delay is over');
  await softDelete(h.engage.db, [ids[0]!]);
  const result = (await h.client.workflow
    .getHandle(run.invitationsWorkflowId!)
    .result()) as InvitationsResult;
  assert.deepEqual(
    { sent: result.sent, skipped: result.skipped, status: result.status },
    { sent: 3, skipped: 1, status: 'sent' },
  );
  const sent = await invitationsOf();
  assert.equal(sent.length, 3);
  const deletedVisitorId = (
    await h.sync.db
      .selectFrom('sync.users')
      .select('visitor_user_id')
      .where('engage_user_id', '=', ids[0]!)
      .executeTakeFirstOrThrow()
  ).visitor_user_id;
  assert.ok(
    !sent.some((s) => s.userId === deletedVisitorId),
    'never an invitation for a user deleted before it was due',
  );
});

test('delay: an operator can release the pending batch early, or cancel it', async () => {
  // Release.
  await addUsers(h.engage.db, [{}, {}]);
  const released = await h.runSync({ kind: 'daily', invitations: { mode: 'delay', delayMs: 3_600_000 } });
  assert.equal(released.counts.invitationsPending, 2);
  const before = (await invitationsOf()).length;
  const handle = h.client.workflow.getHandle(released.invitationsWorkflowId!);
  await handle.signal('releaseInvitations', { by: 'test' });
  assert.equal(((await handle.result()) as InvitationsResult).sent, 2);
  assert.equal((await invitationsOf()).length, before + 2);

  // Cancel.
  await addUsers(h.engage.db, [{}]);
  const cancelled = await h.runSync({ kind: 'daily', invitations: { mode: 'delay', delayMs: 3_600_000 } });
  const c = h.client.workflow.getHandle(cancelled.invitationsWorkflowId!);
  await c.signal('cancelInvitations', { by: 'test' });
  const res = (await c.result()) as InvitationsResult;
  assert.deepEqual(
    { status: res.status, cancelled: res.cancelled, sent: res.sent },
    { status: 'cancelled', cancelled: 1, sent: 0 },
  );
  assert.equal((await invitationsOf()).length, before + 2, 'a cancelled batch sends nothing');
  assert.deepEqual(await checkInvariants(h), []);
});

test('per-user provisioning creates, updates and deletes one user now', async () => {
  const [id] = await addUsers(h.engage.db, [{ jobTitle: 'Engineer' }]);
  const created = await h.provisionUser(id!);
  assert.equal(created.outcome, 'created');
  const find = async () => (await h.visitorState()).users.find((u) => u.externalId === String(id));
  const visitorUser = await find();
  assert.equal(visitorUser?.title, 'Engineer');
  const invites = (await invitationsOf()).filter((i) => i.userId === visitorUser?.id);
  assert.equal(invites.length, 1, 'SYNC_INVITATIONS=send: the new user is invited once');
  await h.engage.db
    .updateTable('engage.users')
    .set({ job_title: 'Principal Engineer' })
    .where('id', '=', id!)
    .execute();
  assert.equal((await h.provisionUser(id!)).outcome, 'updated');
  assert.equal((await find())?.title, 'Principal Engineer');
  assert.equal((await h.provisionUser(id!)).outcome, 'unchanged');
  await softDelete(h.engage.db, [id!]);
  assert.equal((await h.provisionUser(id!)).outcome, 'deleted');
  assert.equal(await find(), undefined);
});
