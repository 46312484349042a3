// Delayed invitations on sync.users: pending per run, counted, set, cancelled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncDatabase, userState } from './fixtures';

const { db, store } = syncDatabase('invitations');

const pendingIn = (runId: string) => ({ invitation: { status: 'pending' as const, runId } });

describe('delayed invitations', () => {
  it('lists a run’s pending invitations in id order, up to the limit, and counts them', async () => {
    await store().saveUser(userState(3), 'run-1', pendingIn('run-1'));
    await store().saveUser(userState(1), 'run-1', pendingIn('run-1'));
    await store().saveUser(
      userState(2, { visitorUserId: null, deprovisioned: true }),
      'run-1',
      pendingIn('run-1'),
    );
    await store().saveUser(userState(4), 'run-2', pendingIn('run-2'));
    await store().saveUser(userState(5), 'run-1', { invitation: { status: 'sent', runId: 'run-1' } });
    await store().saveUser(userState(6), 'run-1'); // no invitation
    assert.deepEqual(await store().pendingInvitations('run-1', 10), [
      { engage_user_id: 1, visitor_user_id: 'v-1', deprovisioned: false },
      { engage_user_id: 2, visitor_user_id: null, deprovisioned: true },
      { engage_user_id: 3, visitor_user_id: 'v-3', deprovisioned: false },
    ]);
    assert.deepEqual(
      (await store().pendingInvitations('run-1', 2)).map((i) => i.engage_user_id),
      [1, 2],
    );
    assert.equal(await store().countPendingInvitations('run-1'), 3);
    assert.equal(await store().countPendingInvitations('run-2'), 1);
    assert.equal(await store().countPendingInvitations('run-none'), 0);
  });

  it('sets an invitation’s status, and its sent time only when given', async () => {
    const sentAt = new Date('2030-02-03T04:05:06Z');
    await store().setInvitation(1, 'sent', sentAt);
    await store().setInvitation(2, 'skipped');
    const rows = await db()
      .selectFrom('sync.users')
      .select(['engage_user_id', 'invitation_status', 'invitation_sent_at'])
      .where('engage_user_id', 'in', [1, 2])
      .orderBy('engage_user_id')
      .execute();
    assert.deepEqual(rows, [
      { engage_user_id: 1, invitation_status: 'sent', invitation_sent_at: sentAt },
      { engage_user_id: 2, invitation_status: 'skipped', invitation_sent_at: null },
    ]);
    await store().setInvitation(1, 'sent'); // no time given: the recorded one stays
    const again = await db()
      .selectFrom('sync.users')
      .select('invitation_sent_at')
      .where('engage_user_id', '=', 1)
      .executeTakeFirstOrThrow();
    assert.deepEqual(again.invitation_sent_at, sentAt);
    assert.equal(await store().countPendingInvitations('run-1'), 1);
  });

  it('cancels a run’s pending invitations only, and says how many', async () => {
    assert.equal(await store().cancelInvitations('run-1'), 1);
    assert.equal(await store().cancelInvitations('run-1'), 0);
    assert.equal(await store().countPendingInvitations('run-1'), 0);
    assert.equal((await store().usersByIds([3])).get(3)!.invitationStatus, 'cancelled');
    assert.equal((await store().usersByIds([1])).get(1)!.invitationStatus, 'sent', 'a sent one stays sent');
    assert.equal(await store().countPendingInvitations('run-2'), 1);
  });
});

describe('orphaned-invitation sweep queries', () => {
  it('lists the other runs holding pending invitations, with their run record; moves a batch', async () => {
    const s = store();
    await s.openRun({
      id: 'gone-1',
      kind: 'user',
      workflowId: 'provision-user-101',
      startedBy: 'cli',
      dryRun: false,
    });
    await s.setRunStatus('gone-1', 'failed', { finished: true });
    await s.saveUser(userState(101), 'gone-1', pendingIn('gone-1'));
    await s.saveUser(userState(102), 'gone-1', pendingIn('gone-1'));
    await s.saveUser(userState(103), 'gone-1', { invitation: { status: 'sent', runId: 'gone-1' } });
    await s.saveUser(userState(104), 'no-record', pendingIn('no-record'));
    await s.saveUser(userState(105), 'current', pendingIn('current'));
    const holders = (await s.invitationHolders('current')).filter(
      (h) => h.runId !== 'run-1' && h.runId !== 'run-2',
    );
    assert.deepEqual(holders, [
      { runId: 'gone-1', workflowId: 'provision-user-101', status: 'failed', pending: 2 },
      { runId: 'no-record', workflowId: null, status: null, pending: 1 },
    ]);

    assert.equal(await s.moveInvitations('gone-1', 'current'), 2);
    assert.equal(await s.moveInvitations('gone-1', 'current'), 0, 'idempotent');
    assert.equal(await s.countPendingInvitations('current'), 3);
    const sent = await db()
      .selectFrom('sync.users')
      .select(['invitation_run_id', 'invitation_status'])
      .where('engage_user_id', '=', 103)
      .executeTakeFirstOrThrow();
    assert.deepEqual(sent, { invitation_run_id: 'gone-1', invitation_status: 'sent' }, 'a sent one stays');
    assert.deepEqual(
      (await s.invitationHolders('current')).map((h) => h.runId).filter((id) => id === 'gone-1'),
      [],
    );
  });
});
