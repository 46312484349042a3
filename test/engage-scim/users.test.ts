import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ALL_SCOPES,
  ENGAGE,
  ENTERPRISE,
  newUser,
  PATCH,
  type ScimHarness,
  scimHarness,
  USER,
} from './support';

describe('Engage SCIM /Users', () => {
  let h: ScimHarness;
  before(async () => {
    h = await scimHarness('users', { scopes: ALL_SCOPES });
  });
  after(() => h.close());

  it('creates a regular user with every Engage field and reads it back', async () => {
    const created = await h.call('POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      userName: 'grace@example.com',
      externalId: 'ext-grace',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      displayName: 'Grace Hopper',
      title: 'Rear Admiral',
      preferredLanguage: 'en',
      emails: [{ value: 'grace@example.com', type: 'work', primary: true }],
      phoneNumbers: [
        { value: '+15551234567', type: 'mobile' },
        { value: '+15557654321', type: 'work' },
      ],
      [ENTERPRISE]: { department: 'Navy', costCenter: 'CC1', employeeNumber: '42' },
    });
    assert.equal(created.status, 201);
    const u = created.body;
    assert.equal(created.headers.get('location'), `${h.server.baseUrl}/Users/${u.id}`);
    assert.equal(created.headers.get('etag'), u.meta.version);
    assert.deepEqual(u[ENGAGE], { userType: 'regular', sso: false });
    assert.equal(u[ENTERPRISE].department, 'Navy');
    assert.equal(u.name.formatted, 'Grace Hopper');
    const got = await h.call('GET', `/Users/${u.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, u);
    const row = await h.db.db
      .selectFrom('engage.users')
      .selectAll()
      .where('id', '=', Number(u.id))
      .executeTakeFirstOrThrow();
    assert.equal(row.user_type, 'regular');
    assert.equal(row.mobile_phone, '+15551234567');
    assert.equal(row.cost_center, 'CC1');
  });

  it('sets the Engage extension when given', async () => {
    const r = await h.call(
      'POST',
      '/Users',
      newUser('vendor@example.com', {
        [ENGAGE]: { userType: 'vendor', sso: 'True', customAttributes: [{ name: 'badge', value: 'B-7' }] },
      }),
    );
    assert.equal(r.status, 201);
    assert.deepEqual(r.body[ENGAGE], {
      userType: 'vendor',
      sso: true,
      customAttributes: [{ name: 'badge', value: 'B-7' }],
    });
    const bad = await h.call('POST', '/Users', newUser('x@example.com', { [ENGAGE]: { userType: 'king' } }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidValue');
  });

  it('rejects a duplicate userName case-insensitively with 409 uniqueness', async () => {
    await h.call('POST', '/Users', newUser('dup@example.com'));
    const r = await h.call('POST', '/Users', newUser('DUP@example.com'));
    assert.equal(r.status, 409);
    assert.equal(r.body.scimType, 'uniqueness');
    assert.deepEqual(r.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(r.body.status, '409');
  });

  it('requires userName and a JSON object', async () => {
    assert.equal((await h.call('POST', '/Users', { schemas: [USER] })).status, 400);
    const r = await h.call('POST', '/Users', '{not json');
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidSyntax');
  });

  it('404s unknown ids, also non-numeric ones', async () => {
    for (const id of ['999999', 'abc', '1;DROP TABLE engage.users']) {
      const r = await h.call('GET', `/Users/${encodeURIComponent(id)}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.status, '404');
    }
  });

  it('replaces with PUT, keeping what identity providers do not send', async () => {
    const c = await h.call(
      'POST',
      '/Users',
      newUser('put@example.com', { externalId: 'p1', [ENGAGE]: { userType: 'location_admin' } }),
    );
    const r = await h.call('PUT', `/Users/${c.body.id}`, {
      schemas: [USER],
      userName: 'put@example.com',
      name: { givenName: 'Put', familyName: 'Ter' },
      emails: [{ value: 'put@example.com', primary: true }],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.name.givenName, 'Put');
    assert.equal(r.body.externalId, 'p1');
    assert.equal(r.body[ENGAGE].userType, 'location_admin');
    const off = await h.call('PUT', `/Users/${c.body.id}`, { ...newUser('put@example.com'), active: false });
    assert.equal(off.body.active, false);
  });

  it('keeps externalId immutable (400 mutability), settable once when empty', async () => {
    const c = await h.call('POST', '/Users', newUser('imm@example.com', { externalId: 'e1' }));
    const r = await h.call('PATCH', `/Users/${c.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'externalId', value: 'e2' }],
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'mutability');
    const put = await h.call('PUT', `/Users/${c.body.id}`, newUser('imm@example.com', { externalId: 'e3' }));
    assert.equal(put.status, 400);
    const same = await h.call('PUT', `/Users/${c.body.id}`, newUser('imm@example.com', { externalId: 'e1' }));
    assert.equal(same.status, 200);
    const n = await h.call('POST', '/Users', newUser('noext@example.com'));
    const set = await h.call('PATCH', `/Users/${n.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'externalId', value: 'late' }],
    });
    assert.equal(set.body.externalId, 'late');
  });

  it('PATCHes simple, complex, multi-valued and extension attributes', async () => {
    const c = await h.call('POST', '/Users', newUser('patch@example.com'));
    const id = c.body.id;
    const r = await h.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: 'name.familyName', value: 'Byron' },
        { op: 'add', path: 'title', value: 'Countess' },
        { op: 'add', path: 'phoneNumbers', value: [{ value: '+447700900123', type: 'mobile' }] },
        { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Maths' },
        { op: 'add', path: `${ENGAGE}:customAttributes`, value: [{ name: 'floor', value: '3' }] },
      ],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.name.familyName, 'Byron');
    assert.equal(r.body.title, 'Countess');
    assert.deepEqual(r.body.phoneNumbers, [{ value: '+447700900123', type: 'mobile' }]);
    assert.equal(r.body[ENTERPRISE].department, 'Maths');
    assert.deepEqual(r.body[ENGAGE].customAttributes, [{ name: 'floor', value: '3' }]);
    const rm = await h.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'remove', path: 'title' },
        { op: 'remove', path: 'phoneNumbers[type eq "mobile"]' },
      ],
    });
    assert.equal(rm.body.title, undefined);
    assert.equal(rm.body.phoneNumbers, undefined);
    const noPath = await h.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove' }],
    });
    assert.equal(noPath.status, 400);
    assert.equal(noPath.body.scimType, 'noTarget');
    const badOp = await h.call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'move', path: 'title' }],
    });
    assert.equal(badOp.status, 400);
  });

  it('supports ETags: If-Match mismatch → 412, If-None-Match → 304', async () => {
    const c = await h.call('POST', '/Users', newUser('etag@example.com'));
    const v1 = c.body.meta.version;
    const p = await h.call(
      'PATCH',
      `/Users/${c.body.id}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'A' }] },
      { 'If-Match': v1 },
    );
    assert.equal(p.status, 200);
    assert.notEqual(p.body.meta.version, v1);
    const stale = await h.call('PUT', `/Users/${c.body.id}`, newUser('etag@example.com'), { 'If-Match': v1 });
    assert.equal(stale.status, 412);
    const del = await h.call('DELETE', `/Users/${c.body.id}`, undefined, { 'If-Match': v1 });
    assert.equal(del.status, 412);
    const nm = await h.call('GET', `/Users/${c.body.id}`, undefined, {
      'If-None-Match': p.body.meta.version,
    });
    assert.equal(nm.status, 304);
  });

  it('deletes (soft), freeing the userName; a second delete is 404', async () => {
    const c = await h.call('POST', '/Users', newUser('del@example.com'));
    assert.equal((await h.call('DELETE', `/Users/${c.body.id}`)).status, 204);
    assert.equal((await h.call('GET', `/Users/${c.body.id}`)).status, 404);
    assert.equal((await h.call('DELETE', `/Users/${c.body.id}`)).status, 404);
    assert.equal((await h.call('POST', '/Users', newUser('del@example.com'))).status, 201);
    const row = await h.db.db
      .selectFrom('engage.users')
      .select(['deleted_at', 'active'])
      .where('id', '=', Number(c.body.id))
      .executeTakeFirstOrThrow();
    assert.ok(row.deleted_at);
    assert.equal(row.active, false);
  });

  it('projects attributes and excludedAttributes (id and schemas always)', async () => {
    const c = await h.call(
      'POST',
      '/Users',
      newUser('proj@example.com', { [ENTERPRISE]: { department: 'D' } }),
    );
    const a = await h.call(
      'GET',
      `/Users/${c.body.id}?attributes=userName,name.givenName,${ENTERPRISE}:department`,
    );
    assert.deepEqual(Object.keys(a.body).sort(), ['id', 'name', 'schemas', 'userName', ENTERPRISE].sort());
    assert.deepEqual(a.body.name, { givenName: 'Ada' });
    assert.deepEqual(a.body[ENTERPRISE], { department: 'D' });
    const e = await h.call('GET', `/Users/${c.body.id}?excludedAttributes=emails,name.familyName,meta`);
    assert.equal(e.body.emails, undefined);
    assert.equal(e.body.meta, undefined);
    assert.deepEqual(e.body.name, { formatted: 'Ada Lovelace', givenName: 'Ada' });
    assert.equal(e.body.userName, 'proj@example.com');
  });

  it('refuses oversized bodies with 413', async () => {
    const r = await h.call(
      'POST',
      '/Users',
      newUser('big@example.com', { title: 'x'.repeat(2 * 1024 * 1024) }),
    );
    assert.equal(r.status, 413);
  });
});
