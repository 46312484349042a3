import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK, GROUP, newUser, PATCH, type ScimHarness, scimHarness } from './support';

describe('Engage SCIM /Groups, /Bulk and discovery', () => {
  let h: ScimHarness;
  let u1: string;
  let u2: string;
  before(async () => {
    h = await scimHarness('groups');
    u1 = (await h.call('POST', '/Users', newUser('g1@example.com'))).body.id;
    u2 = (await h.call('POST', '/Users', newUser('g2@example.com'))).body.id;
  });
  after(() => h.close());

  it('creates, lists, filters, replaces and deletes groups with members', async () => {
    const c = await h.call('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Lobby',
      members: [{ value: u1 }, { value: '999999' }],
    });
    assert.equal(c.status, 201);
    assert.deepEqual(
      c.body.members.map((m: { value: string }) => m.value),
      [u1],
      'unknown users are skipped',
    );
    assert.equal(c.body.members[0].display, 'g1@example.com');
    const id = c.body.id;
    assert.equal((await h.call('GET', `/Groups/${id}`)).body.displayName, 'Lobby');
    const f = await h.call(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members[value eq "${u1}"] and displayName sw "lob"`)}`,
    );
    assert.equal(f.body.totalResults, 1);
    const ex = await h.call('GET', '/Groups?excludedAttributes=members');
    assert.equal(ex.body.Resources[0].members, undefined);
    const put = await h.call('PUT', `/Groups/${id}`, {
      schemas: [GROUP],
      displayName: 'Lobby 2',
      members: [{ value: u2 }],
    });
    assert.deepEqual(
      put.body.members.map((m: { value: string }) => m.value),
      [u2],
    );
    const rep = await h.call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'members', value: [{ value: u1 }, { value: u2 }] }],
    });
    assert.equal(rep.body.members.length, 2);
    const stale = await h.call('DELETE', `/Groups/${id}`, undefined, { 'If-Match': c.body.meta.version });
    assert.equal(stale.status, 412);
    assert.equal((await h.call('DELETE', `/Groups/${id}`)).status, 204);
    assert.equal((await h.call('GET', `/Groups/${id}`)).status, 404);
    assert.equal((await h.call('GET', '/Groups/not-a-uuid')).status, 404);
    const kinds = await h.db.db
      .selectFrom('engage.change_outbox')
      .select(['engage_user_id', 'kind'])
      .where('kind', '=', 'group_membership')
      .execute();
    assert.ok(kinds.some((k) => String(k.engage_user_id) === u1));
    assert.ok(kinds.some((k) => String(k.engage_user_id) === u2));
  });

  it('rejects nested groups with 400 invalidValue', async () => {
    const inner = (await h.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Inner' })).body.id;
    const outer = await h.call('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Outer',
      members: [{ value: inner }],
    });
    assert.equal(outer.status, 400);
    assert.equal(outer.body.scimType, 'invalidValue');
    const g = (await h.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Outer2' })).body.id;
    const add = await h.call('PATCH', `/Groups/${g}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: inner, type: 'Group' }] }],
    });
    assert.equal(add.status, 400);
    assert.equal(add.body.scimType, 'invalidValue');
  });

  it('runs /Bulk with bulkId references and failOnErrors', async () => {
    const r = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u', data: newUser('bulk1@example.com') },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [GROUP], displayName: 'Bulk', members: [{ value: 'bulkId:u', type: 'User' }] },
        },
        {
          method: 'PATCH',
          path: '/Users/bulkId:u',
          data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Bulked' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: newUser('bulk1@example.com') },
        { method: 'DELETE', path: '/Groups/bulkId:g' },
      ],
    });
    assert.equal(r.status, 200);
    const ops = r.body.Operations;
    assert.deepEqual(
      ops.map((o: { status: string }) => o.status),
      ['201', '201', '200', '409', '204'],
    );
    assert.match(ops[0].location, /\/Users\/\d+$/);
    assert.equal(ops[3].response.scimType, 'uniqueness');

    const stop = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: newUser('bulk1@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: newUser('bulk2@example.com') },
      ],
    });
    assert.equal(stop.body.Operations.length, 1);
    assert.equal(
      (await h.call('GET', '/Users?filter=userName%20eq%20%22bulk2@example.com%22')).body.totalResults,
      0,
    );
    const unresolved = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'PATCH', path: '/Users/bulkId:nope', data: { schemas: [PATCH], Operations: [] } },
      ],
    });
    assert.equal(unresolved.body.Operations[0].status, '409');
    assert.equal((await h.call('POST', '/Bulk', { Operations: [] })).status, 400);
  });

  it('publishes discovery documents', async () => {
    const spc = await h.call('GET', '/ServiceProviderConfig');
    assert.equal(spc.status, 200);
    assert.equal(spc.body.patch.supported, true);
    assert.equal(spc.body.bulk.supported, true);
    assert.equal(spc.body.sort.supported, true);
    assert.equal(spc.body.etag.supported, true);
    assert.equal(spc.body.filter.maxResults, 200);
    const rt = await h.call('GET', '/ResourceTypes');
    assert.deepEqual(
      rt.body.Resources.map((r: { id: string }) => r.id),
      ['User', 'Group'],
    );
    assert.deepEqual(
      rt.body.Resources[0].schemaExtensions.map((e: { schema: string }) => e.schema),
      [
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        'urn:ietf:params:scim:schemas:extension:eptura:engage:2.0:User',
      ],
    );
    assert.equal((await h.call('GET', '/ResourceTypes/User')).body.endpoint, '/Users');
    const schemas = await h.call('GET', '/Schemas');
    assert.equal(schemas.body.totalResults, 4);
    const eng = await h.call('GET', '/Schemas/urn:ietf:params:scim:schemas:extension:eptura:engage:2.0:User');
    assert.deepEqual(
      eng.body.attributes.map((a: { name: string }) => a.name),
      ['userType', 'sso', 'customAttributes'],
    );
    assert.equal((await h.call('GET', '/Schemas/urn:nope')).status, 404);
    assert.equal((await h.call('GET', '/Nope')).status, 404);
    assert.equal((await h.call('DELETE', '/ServiceProviderConfig')).status, 405);
  });
});
