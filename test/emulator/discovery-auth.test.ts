import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { startTestEmulator } from './helpers';
import { URN_ERROR, URN_LOCATION_SCHEMA, URN_VISITOR_USER } from './urns';

describe('auth and discovery', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({ maxPageSize: 250 });
  });
  after(() => t.close());

  it('base URL uses Visitor base path on loopback', () => {
    assert.match(t.emulator.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/scim\/v1$/);
  });

  for (const authorization of [undefined, 'Bearer wrong-token', 'Basic dGVzdA==', `Bearer`]) {
    it(`refuses ${authorization ?? 'no Authorization header'} with 401 and a SCIM Error body`, async () => {
      const res = await fetch(`${t.emulator.baseUrl}/Users`, {
        headers: authorization ? { authorization } : {},
      });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      const body = (await res.json()) as { schemas: string[]; status: string; detail: string };
      assert.deepEqual(body.schemas, [URN_ERROR]);
      assert.equal(body.status, '401');
      assert.equal(typeof body.detail, 'string');
    });
  }

  it('ServiceProviderConfig states the capabilities', async () => {
    const res = await t.scim('GET', '/ServiceProviderConfig');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
    assert.equal(res.body.patch.supported, true);
    assert.equal(res.body.bulk.supported, false);
    assert.deepEqual(res.body.filter, { supported: true, maxResults: 250 });
    assert.equal(res.body.sort.supported, false);
    assert.equal(res.body.etag.supported, true);
    assert.equal(res.body.changePassword.supported, false);
    assert.equal(res.body.authenticationSchemes[0].type, 'oauthbearertoken');
  });

  it('ResourceTypes list User with the Visitor extension and Location', async () => {
    const res = await t.scim('GET', '/ResourceTypes');
    assert.equal(res.status, 200);
    const byName = Object.fromEntries(res.body.Resources.map((r: { name: string }) => [r.name, r]));
    assert.equal(byName.User.endpoint, '/Users');
    assert.deepEqual(byName.User.schemaExtensions, [{ schema: URN_VISITOR_USER, required: false }]);
    assert.equal(byName.Location.schema, URN_LOCATION_SCHEMA);
    const one = await t.scim('GET', '/ResourceTypes/Location');
    assert.equal(one.body.endpoint, '/Locations');
  });

  it('Schemas describe the extension attributes', async () => {
    const res = await t.scim('GET', '/Schemas');
    assert.equal(res.status, 200);
    const ids = res.body.Resources.map((s: { id: string }) => s.id);
    assert.ok(ids.includes(URN_VISITOR_USER));
    assert.ok(ids.includes(URN_LOCATION_SCHEMA));
    const ext = await t.scim('GET', `/Schemas/${URN_VISITOR_USER}`);
    const names = ext.body.attributes.map((a: { name: string }) => a.name);
    assert.deepEqual(names, ['defaultLocationId', 'locationAccess', 'sso', 'invitation', 'sendInvitation']);
    const invitation = ext.body.attributes.find((a: { name: string }) => a.name === 'invitation');
    assert.equal(invitation.mutability, 'readOnly');
  });

  it('refuses /Groups, unknown paths and wrong methods with SCIM errors', async () => {
    const groups = await t.scim('GET', '/Groups');
    assert.equal(groups.status, 404);
    assert.match(groups.body.detail, /Groups are not supported/);
    const bulk = await t.scim('POST', '/Bulk', {});
    assert.equal(bulk.status, 501);
    const wrong = await t.scim('DELETE', '/Users');
    assert.equal(wrong.status, 405);
    assert.match(wrong.headers.get('allow') ?? '', /GET/);
    const outside = await fetch(`${t.emulator.baseUrl.replace('/scim/v1', '')}/scim/v2/Users`);
    assert.equal(outside.status, 404);
  });
});
