import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, startTestEmulator, userBody } from './helpers';
import { URN_CORE_SCIM1, URN_CORE_USER, URN_LIST, URN_VISITOR_USER } from './urns';

describe('users: create, read, list, replace, delete', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator({ maxPageSize: 10 });
  });
  beforeEach(() => t.admin('POST', '/reset'));
  after(() => t.close());

  it('creates with 201, Location and ETag headers and server-set defaults', async () => {
    const res = await t.scim('POST', '/Users', userBody('ada@example.com', { externalId: 'engage-1' }));
    assert.equal(res.status, 201);
    const user = res.body;
    assert.equal(res.headers.get('location'), `${t.emulator.baseUrl}/Users/${user.id}`);
    assert.equal(res.headers.get('etag'), 'W/"1"');
    assert.equal(user.meta.version, 'W/"1"');
    assert.equal(user.meta.resourceType, 'User');
    assert.equal(user.meta.location, res.headers.get('location'));
    assert.deepEqual(user.schemas, [URN_CORE_USER, URN_VISITOR_USER]);
    assert.equal(user.externalId, 'engage-1');
    const ext = user[URN_VISITOR_USER];
    const state = await t.admin('GET', '/state');
    const defaultLocation = state.body.locations.find((l: { isDefault: boolean }) => l.isDefault);
    assert.equal(ext.defaultLocationId, defaultLocation.id);
    assert.deepEqual(ext.locationAccess, []);
    assert.equal(ext.sso, false);
    assert.deepEqual(ext.invitation, { status: 'held' });
    assert.equal(ext.sendInvitation, undefined);

    const got = await t.scim('GET', `/Users/${user.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, user);
  });

  it('returns 404 with a SCIM error for an unknown id', async () => {
    const res = await t.scim('GET', '/Users/does-not-exist');
    assert.equal(res.status, 404);
    assert.equal(res.body.status, '404');
  });

  it('accepts the SCIM 1.x core URN and boolean strings, ignores unknown attributes', async () => {
    const body = {
      ...userBody('legacy@example.com'),
      schemas: [URN_CORE_SCIM1],
      active: 'false',
      password: 'ignored',
      groups: [],
      [URN_VISITOR_USER]: { sso: 'True' },
    };
    const res = await t.scim('POST', '/Users', body);
    assert.equal(res.status, 201);
    assert.equal(res.body.active, false);
    assert.equal(res.body[URN_VISITOR_USER].sso, true);
    assert.equal(res.body.password, undefined);
    assert.equal(res.body.groups, undefined);
  });

  it('refuses a body without a core schema URN', async () => {
    const res = await t.scim('POST', '/Users', { ...userBody('x@example.com'), schemas: ['urn:other'] });
    assert.equal(res.status, 400);
    assert.equal(res.body.scimType, 'invalidSyntax');
  });

  it('refuses malformed JSON with invalidSyntax', async () => {
    const res = await fetch(`${t.emulator.baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-visitor-token', 'content-type': 'application/scim+json' },
      body: '{"userName":',
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { scimType: string }).scimType, 'invalidSyntax');
  });

  it('pages in stable creation order, caps count at the max page size', async () => {
    const created: string[] = [];
    for (let i = 0; i < 23; i++)
      created.push((await createUser(t, `p${String(i).padStart(2, '0')}@example.com`)).id);
    const seen: string[] = [];
    for (let start = 1; start <= 23; start += 7) {
      const page = await t.scim('GET', `/Users?startIndex=${start}&count=7`);
      assert.equal(page.status, 200);
      assert.deepEqual(page.body.schemas, [URN_LIST]);
      assert.equal(page.body.totalResults, 23);
      assert.equal(page.body.startIndex, start);
      assert.equal(page.body.itemsPerPage, page.body.Resources.length);
      seen.push(...page.body.Resources.map((u: { id: string }) => u.id));
    }
    assert.deepEqual(seen, created);

    const capped = await t.scim('GET', '/Users?count=1000');
    assert.equal(capped.body.Resources.length, 10);
    assert.equal(capped.body.totalResults, 23);

    const countOnly = await t.scim('GET', '/Users?count=0');
    assert.equal(countOnly.body.totalResults, 23);
    assert.deepEqual(countOnly.body.Resources, []);

    const negative = await t.scim('GET', '/Users?startIndex=-4&count=2');
    assert.equal(negative.body.startIndex, 1);
    assert.deepEqual(
      negative.body.Resources.map((u: { id: string }) => u.id),
      created.slice(0, 2),
    );

    const beyond = await t.scim('GET', '/Users?startIndex=100');
    assert.equal(beyond.body.totalResults, 23);
    assert.deepEqual(beyond.body.Resources, []);

    const bad = await t.scim('GET', '/Users?count=abc');
    assert.equal(bad.status, 400);
  });

  it('PUT replaces the whole resource and bumps the version', async () => {
    const loc = await createLocation(t, 'Leeds');
    const user = await createUser(t, 'put@example.com', {
      title: 'Engineer',
      phoneNumbers: [{ value: '+447700900123', type: 'mobile' }],
    });
    const res = await t.scim('PUT', `/Users/${user.id}`, {
      ...userBody('put@example.com'),
      id: user.id,
      name: { givenName: 'New', familyName: 'Name', formatted: 'New Name' },
      [URN_VISITOR_USER]: {
        defaultLocationId: loc.id,
        locationAccess: [{ locationId: loc.id, role: 'admin' }],
        sso: true,
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), 'W/"2"');
    assert.equal(res.body.name.formatted, 'New Name');
    assert.equal(res.body.title, undefined, 'omitted attributes are cleared by PUT');
    assert.equal(res.body.phoneNumbers, undefined);
    assert.deepEqual(res.body[URN_VISITOR_USER].locationAccess, [{ locationId: loc.id, role: 'admin' }]);
    assert.equal(res.body[URN_VISITOR_USER].defaultLocationId, loc.id);
    assert.equal(res.body.meta.created, (user.meta as unknown as { created: string }).created);

    const changeId = await t.scim('PUT', `/Users/${user.id}`, {
      ...userBody('put@example.com'),
      id: 'other',
    });
    assert.equal(changeId.status, 400);
    assert.equal(changeId.body.scimType, 'mutability');
  });

  it('If-Match: stale version → 412 and no change; current version or * → applied', async () => {
    const user = await createUser(t, 'etag@example.com');
    const stale = await t.scim('PUT', `/Users/${user.id}`, userBody('etag@example.com', { title: 'x' }), {
      'if-match': 'W/"7"',
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.status, '412');
    const unchanged = await t.scim('GET', `/Users/${user.id}`);
    assert.equal(unchanged.body.meta.version, 'W/"1"');

    const ok = await t.scim('PUT', `/Users/${user.id}`, userBody('etag@example.com', { title: 'x' }), {
      'if-match': 'W/"1"',
    });
    assert.equal(ok.status, 200);
    const star = await t.scim('DELETE', `/Users/${user.id}`, undefined, { 'if-match': '*' });
    assert.equal(star.status, 204);
  });

  it('If-None-Match with the current ETag answers 304', async () => {
    const user = await createUser(t, 'cache@example.com');
    const res = await t.scim('GET', `/Users/${user.id}`, undefined, { 'if-none-match': 'W/"1"' });
    assert.equal(res.status, 304);
    const changed = await t.scim('GET', `/Users/${user.id}`, undefined, { 'if-none-match': 'W/"0"' });
    assert.equal(changed.status, 200);
  });

  it('DELETE answers 204, then the user is gone and its userName is free again', async () => {
    const user = await createUser(t, 'gone@example.com');
    const res = await t.scim('DELETE', `/Users/${user.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);
    assert.equal((await t.scim('GET', `/Users/${user.id}`)).status, 404);
    assert.equal((await t.scim('DELETE', `/Users/${user.id}`)).status, 404);
    const list = await t.scim('GET', '/Users');
    assert.equal(list.body.totalResults, 0);
    assert.equal((await t.scim('POST', '/Users', userBody('GONE@example.com'))).status, 201);
  });
});

describe('users: attributes / excludedAttributes', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(() => t.close());

  it('excludedAttributes drops the extension list; attributes keeps only what is asked (plus id, schemas, meta)', async () => {
    const loc = await createLocation(t, 'Leeds');
    const user = await createUser(t, 'proj@example.com', {
      title: 'T',
      [URN_VISITOR_USER]: { locationAccess: [{ locationId: loc.id, role: 'admin' }] },
    });
    const ex = await t.scim(
      'GET',
      `/Users/${user.id}?excludedAttributes=${URN_VISITOR_USER}:locationAccess,title`,
    );
    assert.equal(ex.status, 200);
    assert.equal(ex.body.title, undefined);
    assert.equal(ex.body[URN_VISITOR_USER].locationAccess, undefined);
    assert.equal(ex.body[URN_VISITOR_USER].sso, false);
    assert.equal(ex.body.userName, 'proj@example.com');

    const only = await t.scim('GET', `/Users?attributes=userName,name.givenName,locationAccess&count=1`);
    const [r] = only.body.Resources;
    assert.deepEqual(
      Object.keys(r).sort(),
      ['id', 'meta', 'name', 'schemas', URN_VISITOR_USER, 'userName'].sort(),
    );
    assert.deepEqual(r.name, { givenName: 'proj' });
    assert.deepEqual(r[URN_VISITOR_USER], { locationAccess: [{ locationId: loc.id, role: 'admin' }] });
  });

  it('answers to POST and PATCH are projected too; the write itself is whole', async () => {
    const loc = await createLocation(t, 'York');
    const wanted = `userName,externalId,active,${URN_VISITOR_USER}:invitation`;
    const created = await t.scim(
      'POST',
      `/Users?attributes=${wanted}`,
      userBody('short@example.com', {
        externalId: 'e-42',
        [URN_VISITOR_USER]: {
          locationAccess: [{ locationId: loc.id, role: 'regular' }],
          sendInvitation: true,
        },
      }),
    );
    assert.equal(created.status, 201);
    assert.deepEqual(
      Object.keys(created.body).sort(),
      ['active', 'externalId', 'id', 'meta', 'schemas', URN_VISITOR_USER, 'userName'].sort(),
    );
    assert.equal(created.body[URN_VISITOR_USER].invitation.status, 'sent');
    assert.equal(created.body[URN_VISITOR_USER].locationAccess, undefined);

    const full = await t.scim('GET', `/Users/${created.body.id}`);
    assert.deepEqual(full.body[URN_VISITOR_USER].locationAccess, [{ locationId: loc.id, role: 'regular' }]);
    assert.equal(full.body.name.givenName, 'short');

    const patched = await t.scim('PATCH', `/Users/${created.body.id}?excludedAttributes=name,emails`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'Boss' }],
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.title, 'Boss');
    assert.equal(patched.body.name, undefined);
    assert.equal(patched.body.emails, undefined);
    assert.equal((await t.scim('GET', `/Users/${created.body.id}`)).body.name.givenName, 'short');
  });
});
