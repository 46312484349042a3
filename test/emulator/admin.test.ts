import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, startTestEmulator, userBody } from './helpers';
import { URN_VISITOR_USER } from './urns';

describe('admin endpoints', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  beforeEach(async () => {
    await t.admin('POST', '/reset');
    await t.admin('POST', '/stats/reset');
  });
  after(() => t.close());

  it('GET /_admin/state exports users (SCIM form), locations and the invitation log', async () => {
    const leeds = await createLocation(t, 'Leeds');
    const user = await createUser(t, 'exp@example.com', {
      [URN_VISITOR_USER]: { locationAccess: [{ locationId: leeds.id, role: 'admin' }], sendInvitation: true },
    });
    const res = await t.admin('GET', '/state');
    assert.equal(res.status, 200);
    assert.equal(res.body.format, 'scim');
    assert.deepEqual(
      res.body.locations.map((l: { name: string }) => l.name),
      ['Headquarters', 'Leeds'],
    );
    assert.deepEqual(res.body.users, [(await t.scim('GET', `/Users/${user.id}`)).body]);
    assert.equal(res.body.invitations.length, 1);
    assert.equal(res.body.invitations[0].userId, user.id);
  });

  it('compact format encodes access as one character per location', async () => {
    const a = await createLocation(t, 'A');
    const b = await createLocation(t, 'B');
    await createUser(t, 'compact@example.com', {
      [URN_VISITOR_USER]: {
        locationAccess: [
          { locationId: a.id, role: 'regular' },
          { locationId: b.id, role: 'admin' },
        ],
      },
    });
    const res = await t.admin('GET', '/state?format=compact');
    assert.equal(res.body.format, 'compact');
    assert.equal(res.body.users[0].access, '-ra');
    assert.equal(res.body.users[0].userName, 'compact@example.com');
  });

  it('streams a large export intact', async () => {
    await Promise.all(
      Array.from({ length: 450 }, (_, i) => t.scim('POST', '/Users', userBody(`bulk${i}@example.com`))),
    );
    const res = await t.admin('GET', '/state');
    assert.equal(res.body.users.length, 450);
    assert.equal(new Set(res.body.users.map((u: { id: string }) => u.id)).size, 450);
  });

  it('POST /_admin/reset clears users and invitations, keeps the default location', async () => {
    const before1 = (await t.scim('GET', '/Locations')).body.Resources[0].id;
    await createUser(t, 'r@example.com', { [URN_VISITOR_USER]: { sendInvitation: true } });
    const res = await t.admin('POST', '/reset');
    assert.equal(res.status, 200);
    assert.equal(res.body.defaultLocationId, before1);
    const s = (await t.admin('GET', '/state')).body;
    assert.deepEqual(s.users, []);
    assert.deepEqual(s.invitations, []);
  });

  it('GET /_admin/stats counts by route template and status, totals by method; reset clears', async () => {
    const user = await createUser(t, 'stats@example.com');
    await t.scim('GET', `/Users/${user.id}`);
    await t.scim('GET', `/Users/${user.id}`);
    await t.scim('GET', '/Users/missing');
    await t.scim('POST', '/Users', userBody('stats@example.com'));
    await fetch(`${t.emulator.baseUrl}/Users`);
    const stats = (await t.admin('GET', '/stats')).body;
    assert.deepEqual(stats.routes['GET /Users/{id}'], { '200': 2, '404': 1 });
    assert.deepEqual(stats.routes['POST /Users'], { '201': 1, '409': 1 });
    assert.deepEqual(stats.routes['GET /Users'], { '401': 1 });
    assert.deepEqual(stats.byMethod, { POST: 2, GET: 4 });
    assert.equal(stats.total, 6);
    const reset = await t.admin('POST', '/stats/reset');
    assert.equal(reset.body.total, 0);
    assert.deepEqual((await t.admin('GET', '/stats')).body.routes, {});
  });

  it('an admin token, when configured, is required', async () => {
    const locked = await startTestEmulator({ adminToken: 'admin-secret-1' });
    try {
      assert.equal((await fetch(`${locked.emulator.adminUrl}/stats`)).status, 401);
      const ok = await fetch(`${locked.emulator.adminUrl}/stats`, {
        headers: { authorization: 'Bearer admin-secret-1' },
      });
      assert.equal(ok.status, 200);
      // the SCIM token does not open /_admin
      const scimToken = await fetch(`${locked.emulator.adminUrl}/stats`, {
        headers: { authorization: 'Bearer test-visitor-token' },
      });
      assert.equal(scimToken.status, 401);
    } finally {
      await locked.close();
    }
  });

  it('unknown admin routes answer 404', async () => {
    assert.equal((await t.admin('GET', '/nothing')).status, 404);
  });
});
