// The emulator as a target that may not PATCH (`patch: false`, VISITOR_EMULATOR_PATCH=off).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, patchBody, startTestEmulator, userBody } from './helpers';
import { URN_ERROR, URN_LOCATION_SCHEMA } from './urns';

describe('a Visitor without PATCH', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({ patch: false });
  });
  after(() => t.close());

  it('/ServiceProviderConfig says patch is not supported', async () => {
    const spc = await t.scim('GET', '/ServiceProviderConfig');
    assert.equal(spc.body.patch.supported, false);
    assert.equal(spc.body.etag.supported, true);
  });

  it('PATCH of a user or a location answers 501 with a SCIM error and changes nothing', async () => {
    const user = await createUser(t, 'nopatch@example.com', { title: 'Before' });
    const loc = await createLocation(t, 'Leeds');
    for (const path of [`/Users/${user.id}`, `/Locations/${loc.id}`]) {
      const res = await t.scim('PATCH', path, patchBody({ op: 'replace', path: 'title', value: 'After' }));
      assert.equal(res.status, 501, path);
      assert.deepEqual(res.body.schemas, [URN_ERROR]);
      assert.match(res.body.detail, /PATCH is not supported.*PUT/);
    }
    const again = await t.scim('GET', `/Users/${user.id}`);
    assert.equal(again.body.title, 'Before');
    assert.equal(again.body.meta.version, user.meta.version);
  });

  it('PUT replaces (with If-Match), and the Allow header of a wrong method leaves PATCH out', async () => {
    const user = await createUser(t, 'put@example.com');
    const put = await t.scim('PUT', `/Users/${user.id}`, userBody('put@example.com', { title: 'Put' }), {
      'if-match': user.meta.version,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.title, 'Put');
    const stale = await t.scim('PUT', `/Users/${user.id}`, userBody('put@example.com'), {
      'if-match': user.meta.version,
    });
    assert.equal(stale.status, 412);
    const loc = await t.scim('PUT', `/Locations/${(await createLocation(t, 'Lyon')).id}`, {
      schemas: [URN_LOCATION_SCHEMA],
      name: 'Lyon 2',
    });
    assert.equal(loc.status, 200);
    const wrong = await t.scim('POST', `/Users/${user.id}`, {});
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, PUT, DELETE');
  });
});
