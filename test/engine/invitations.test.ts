// engine/invitations.ts: delayed invitations, sent in batches; nobody e-mailed twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvitationStatus } from '../../db/sync-schema';
import { noProgress } from '../../engine/defaults';
import {
  cancelPendingInvitations,
  countPendingInvitations,
  sendPendingInvitations,
} from '../../engine/invitations';
import { seedLinked } from './builders';
import { engageUser, type FakeWorld, fakeWorld, RecordingProgress, visitorError } from './fakes';

/** Users 1..n created by run `run` with their invitation pending; active in Engage and in Visitor. */
function world(n: number, run = 'r1') {
  const w = fakeWorld();
  for (let id = 1; id <= n; id++) {
    const due = new Date(w.clock.now());
    seedLinked(w, id, {
      invitationStatus: 'pending',
      invitationRunId: run,
      invitationDueAt: due,
      createdByRun: run,
    });
    w.engage.add(engageUser(id));
  }
  return w;
}

const vid = (w: FakeWorld, id: number) => w.store.users.get(id)!.visitorUserId!;
const status = (w: FakeWorld, id: number): InvitationStatus => w.store.users.get(id)!.invitationStatus;

describe('sendPendingInvitations', () => {
  it('sends every pending invitation of the run, records and logs it', async () => {
    const w = world(3);
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress);
    assert.deepEqual(r, { sent: 3, skipped: 0, remaining: 0 });
    assert.deepEqual(w.visitor.invitationsSent, [vid(w, 1), vid(w, 2), vid(w, 3)]);
    for (const id of [1, 2, 3]) {
      assert.equal(status(w, id), 'sent');
      assert.equal(w.store.users.get(id)!.invitationSentAt?.toISOString(), '2026-01-05T09:00:00.000Z');
    }
    assert.deepEqual(
      w.store.logs.map((l) => [l.engage_id, l.action, l.outcome, l.visitor_id, l.detail]),
      [1, 2, 3].map((id) => [id, 'invite', 'invited', vid(w, id), null]),
    );
  });

  it('leaves other runs’ invitations and non-pending ones alone', async () => {
    const w = world(3);
    w.store.users.get(2)!.invitationRunId = 'other';
    w.store.users.get(3)!.invitationStatus = 'cancelled';
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress);
    assert.equal(r.sent, 1);
    assert.deepEqual(w.visitor.invitationsSent, [vid(w, 1)]);
    assert.equal(status(w, 2), 'pending');
  });

  it('skips users deleted or deactivated in Engage, deprovisioned, or never linked', async () => {
    const w = world(6);
    w.engage.add(engageUser(1, { deletedAt: new Date() }));
    w.engage.add(engageUser(2, { active: false }));
    w.engage.users.delete(3);
    w.store.users.get(4)!.deprovisioned = true;
    w.store.users.get(5)!.visitorUserId = null;
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress);
    assert.deepEqual(r, { sent: 1, skipped: 5, remaining: 0 });
    assert.deepEqual(w.visitor.invitationsSent, [vid(w, 6)]);
    assert.equal(w.visitor.count('sendInvitation'), 1, 'nothing asked of Visitor for the skipped');
    for (const id of [1, 2, 3, 4, 5]) assert.equal(status(w, id), 'skipped');
    const skipped = w.store.logs.filter((l) => l.outcome === 'skipped');
    assert.equal(skipped.length, 5);
    assert.deepEqual(skipped[0]!.detail, {
      reason: 'the user was deleted or deactivated before the invitation was due',
    });
  });

  it('skips a user gone from Visitor (404) or refused (400), and sends to the rest', async () => {
    const w = world(4);
    w.visitor.failNext('sendInvitation', visitorError(400, 'invalidValue')); // the first call: user 1
    w.visitor.users.delete(vid(w, 3));
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress);
    assert.deepEqual(r, { sent: 2, skipped: 2, remaining: 0 });
    assert.equal(status(w, 1), 'skipped');
    assert.equal(status(w, 2), 'sent');
    assert.equal(status(w, 3), 'skipped');
    assert.equal(status(w, 4), 'sent');
    const reasons = w.store.logs
      .filter((l) => l.outcome === 'skipped')
      .map((l) => [l.engage_id, (l.detail as { reason: string }).reason]);
    assert.deepEqual(reasons, [
      [1, 'Visitor refused the invitation for this user'],
      [3, 'the user no longer exists in Visitor'],
    ]);
  });

  it('sends in batches of `limit`: remaining until the last batch', async () => {
    const w = world(5);
    const a = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 2 }, noProgress);
    assert.equal(a.sent, 2);
    assert.ok(a.remaining > 0);
    const b = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 2 }, noProgress);
    assert.equal(b.sent, 2);
    assert.ok(b.remaining > 0);
    const c = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 2 }, noProgress);
    assert.deepEqual(c, { sent: 1, skipped: 0, remaining: 0 });
    assert.equal(w.visitor.invitationsSent.length, 5);
    assert.equal(new Set(w.visitor.invitationsSent).size, 5);
  });

  it('a full last batch reports nothing remaining once every row is done', async () => {
    const w = world(2);
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 2 }, noProgress);
    assert.deepEqual(r, { sent: 2, skipped: 0, remaining: 0 });
  });

  it('an error mid-way fails the batch but logs what was sent; the retry e-mails nobody twice', async () => {
    const w = world(5);
    const send = w.visitor.sendInvitation.bind(w.visitor);
    let calls = 0;
    w.visitor.sendInvitation = async (id: string) => {
      if (++calls === 3) throw visitorError(401);
      return send(id);
    };
    await assert.rejects(
      sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress),
      (e: unknown) => (e as Error).name === 'VisitorAuthError',
    );
    assert.equal(calls, 3, 'nothing sent after the error');
    assert.deepEqual(w.visitor.invitationsSent, [vid(w, 1), vid(w, 2)]);
    assert.deepEqual(
      w.store.logs.map((l) => [l.engage_id, l.outcome]),
      [
        [1, 'invited'],
        [2, 'invited'],
      ],
      'what was sent before the error is logged',
    );
    assert.equal(status(w, 3), 'pending');
    w.visitor.sendInvitation = send;
    const retry = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress);
    assert.deepEqual(retry, { sent: 3, skipped: 0, remaining: 0 });
    assert.deepEqual(
      w.visitor.invitationsSent,
      [1, 2, 3, 4, 5].map((id) => vid(w, id)),
    );
  });

  it('a retry after the send but before the record does not e-mail twice', async () => {
    const w = world(3);
    const setInvitation = w.store.setInvitation.bind(w.store);
    let failOnce = true;
    w.store.setInvitation = async (id, s, at) => {
      if (id === 2 && failOnce) {
        failOnce = false;
        throw new Error('database gone');
      }
      return setInvitation(id, s, at);
    };
    await assert.rejects(
      sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress),
      /database gone/,
    );
    assert.equal(status(w, 2), 'pending', 'Visitor sent it, the state does not know');
    await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress);
    assert.equal(w.visitor.count('sendInvitation'), 4, 'user 2 asked twice…');
    assert.deepEqual(
      w.visitor.invitationsSent,
      [1, 2, 3].map((id) => vid(w, id)),
      '…but e-mailed once',
    );
    assert.equal(status(w, 2), 'sent');
  });

  it('a log write failing fails the batch after the sends were recorded', async () => {
    const w = world(2);
    w.store.failNext('log', new Error('log down'));
    await assert.rejects(
      sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress),
      /log down/,
    );
    assert.equal(status(w, 1), 'sent');
    assert.equal(status(w, 2), 'sent');
  });

  it('starts no send once cancelled, and reports what remains', async () => {
    const w = world(3);
    const progress = new RecordingProgress();
    progress.abort();
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, progress);
    assert.deepEqual(r, { sent: 0, skipped: 0, remaining: 1 });
    assert.equal(w.visitor.count('sendInvitation'), 0);
  });

  it('stops mid-batch when cancelled, heartbeating the rows done', async () => {
    const w = world(5);
    const progress = new RecordingProgress();
    const send = w.visitor.sendInvitation.bind(w.visitor);
    w.visitor.sendInvitation = async (id: string) => {
      const r = await send(id);
      if (w.visitor.invitationsSent.length === 2) progress.abort();
      return r;
    };
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, progress);
    assert.deepEqual(r, { sent: 2, skipped: 0, remaining: 1 });
    assert.deepEqual(progress.beats, [1, 2]);
    assert.equal(status(w, 3), 'pending');
  });
});

describe('cancel and count', () => {
  it('counts the run’s pending invitations', async () => {
    const w = world(3);
    w.store.users.get(3)!.invitationRunId = 'other';
    assert.deepEqual(await countPendingInvitations(w.engine, { runId: 'r1' }), { pending: 2 });
  });

  it('cancels the run’s pending invitations and logs how many', async () => {
    const w = world(3);
    w.store.users.get(3)!.invitationRunId = 'other';
    assert.deepEqual(await cancelPendingInvitations(w.engine, { runId: 'r1' }), { cancelled: 2 });
    assert.equal(status(w, 1), 'cancelled');
    assert.equal(status(w, 2), 'cancelled');
    assert.equal(status(w, 3), 'pending');
    assert.deepEqual(await countPendingInvitations(w.engine, { runId: 'r1' }), { pending: 0 });
    assert.equal(w.store.logs.length, 1);
    assert.equal(w.store.logs[0]!.object_type, 'run');
    assert.equal(w.store.logs[0]!.outcome, 'cancelled');
    assert.deepEqual(w.store.logs[0]!.detail, { cancelled: 2 });
    const r = await sendPendingInvitations(w.engine, { runId: 'r1', limit: 500 }, noProgress);
    assert.equal(r.sent, 0);
    assert.deepEqual(w.visitor.invitationsSent, []);
  });
});
