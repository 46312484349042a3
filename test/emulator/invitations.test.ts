import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createUser, startTestEmulator, userBody } from './helpers';
import { URN_VISITOR_USER } from './urns';

describe('invitations', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  beforeEach(() => t.admin('POST', '/reset'));
  after(() => t.close());

  const sends = async () =>
    (await t.admin('GET', '/state')).body.invitations as {
      userId: string;
      userName: string;
      sentAt: string;
    }[];

  it('create with sendInvitation: true sends now, exactly once, and shows it on the user', async () => {
    const user = await createUser(t, 'now@example.com', { [URN_VISITOR_USER]: { sendInvitation: true } });
    const ext = user[URN_VISITOR_USER] as {
      invitation: { status: string; sentAt: string };
      sendInvitation?: boolean;
    };
    assert.equal(ext.invitation.status, 'sent');
    assert.equal(typeof ext.invitation.sentAt, 'string');
    assert.equal(ext.sendInvitation, undefined, 'write-only: never returned');
    assert.deepEqual(await sends(), [
      { userId: user.id, userName: 'now@example.com', sentAt: ext.invitation.sentAt },
    ]);

    const again = await t.scim('POST', `/Users/${user.id}/invitation`);
    assert.equal(again.status, 200);
    assert.equal(again.body.alreadySent, true);
    assert.equal(again.body.sentAt, ext.invitation.sentAt);
    assert.equal((await sends()).length, 1);
  });

  it('without sendInvitation (or false) the invitation is held; a later send is idempotent', async () => {
    const held = await createUser(t, 'held@example.com');
    const heldFalse = await createUser(t, 'held2@example.com', {
      [URN_VISITOR_USER]: { sendInvitation: 'false' },
    });
    assert.deepEqual((held[URN_VISITOR_USER] as { invitation: unknown }).invitation, { status: 'held' });
    assert.deepEqual((heldFalse[URN_VISITOR_USER] as { invitation: unknown }).invitation, { status: 'held' });
    assert.deepEqual(await sends(), []);

    const first = await t.scim('POST', `/Users/${held.id}/invitation`);
    assert.equal(first.status, 200);
    assert.equal(first.body.alreadySent, false);
    assert.equal(first.body.status, 'sent');
    assert.equal(first.body.userName, 'held@example.com');
    // An at-least-once caller retries: the e-mail still goes out once.
    for (let i = 0; i < 3; i++) {
      const retry = await t.scim('POST', `/Users/${held.id}/invitation`);
      assert.equal(retry.status, 200);
      assert.equal(retry.body.alreadySent, true);
      assert.equal(retry.body.sentAt, first.body.sentAt);
    }
    const log = await sends();
    assert.deepEqual(log, [{ userId: held.id, userName: 'held@example.com', sentAt: first.body.sentAt }]);
    const user = await t.scim('GET', `/Users/${held.id}`);
    assert.deepEqual(user.body[URN_VISITOR_USER].invitation, { status: 'sent', sentAt: first.body.sentAt });
    assert.equal(user.body.meta.version, 'W/"2"');
  });

  it('PUT and PATCH keep the invitation state; sendInvitation on PUT is ignored', async () => {
    const user = await createUser(t, 'keep@example.com');
    const put = await t.scim(
      'PUT',
      `/Users/${user.id}`,
      userBody('keep@example.com', { [URN_VISITOR_USER]: { sendInvitation: true } }),
    );
    assert.equal(put.status, 200);
    assert.deepEqual(put.body[URN_VISITOR_USER].invitation, { status: 'held' });
    assert.deepEqual(await sends(), []);
  });

  it('an invitation is not sent to an inactive user; unknown user → 404', async () => {
    const inactive = await createUser(t, 'off@example.com', { active: false });
    const res = await t.scim('POST', `/Users/${inactive.id}/invitation`);
    assert.equal(res.status, 400);
    const create = await t.scim(
      'POST',
      '/Users',
      userBody('off2@example.com', { active: false, [URN_VISITOR_USER]: { sendInvitation: true } }),
    );
    assert.equal(create.status, 400);
    assert.equal((await t.scim('POST', '/Users/nope/invitation')).status, 404);
    assert.deepEqual(await sends(), []);
  });

  it('concurrent sends for the same user deliver one e-mail', async () => {
    const user = await createUser(t, 'race@example.com');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.scim('POST', `/Users/${user.id}/invitation`)),
    );
    assert.equal(results.filter((r) => r.body.alreadySent === false).length, 1);
    assert.equal((await sends()).length, 1);
  });
});
