import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, patchBody, startTestEmulator } from './helpers';
import { URN_VISITOR_USER } from './urns';

describe('PATCH', () => {
  let t: TestEmulator;
  let hq: string;
  let leeds: string;
  let paris: string;
  const patch = (id: string, ...ops: Record<string, unknown>[]) =>
    t.scim('PATCH', `/Users/${id}`, patchBody(...ops));

  before(async () => {
    t = await startTestEmulator();
  });
  beforeEach(async () => {
    const reset = await t.admin('POST', '/reset');
    hq = reset.body.defaultLocationId;
    leeds = (await createLocation(t, 'Leeds')).id;
    paris = (await createLocation(t, 'Paris')).id;
  });
  after(() => t.close());

  it('Entra capitalised ops and "False" strings (Replace/Add/Remove)', async () => {
    const user = await createUser(t, 'entra@example.com', { title: 'Old' });
    const res = await patch(
      user.id,
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Add', path: 'preferredLanguage', value: 'fr' },
      { op: 'Remove', path: 'title' },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.active, false);
    assert.equal(res.body.preferredLanguage, 'fr');
    assert.equal(res.body.title, undefined);
    assert.equal(res.body.meta.version, 'W/"2"');
    assert.equal(res.headers.get('etag'), 'W/"2"');
  });

  it('path-less replace with dotted and URN keys (aadOptscim062020)', async () => {
    const user = await createUser(t, 'flat@example.com');
    const res = await patch(user.id, {
      op: 'replace',
      value: {
        'name.givenName': 'Flat',
        'name.familyName': 'Keys',
        active: false,
        [`${URN_VISITOR_USER}:sso`]: true,
        [`${URN_VISITOR_USER}:defaultLocationId`]: leeds,
        'urn:ietf:params:scim:schemas:core:2.0:User:title': 'Boss',
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.name, { givenName: 'Flat', familyName: 'Keys' });
    assert.equal(res.body.active, false);
    assert.equal(res.body.title, 'Boss');
    assert.equal(res.body[URN_VISITOR_USER].sso, true);
    assert.equal(res.body[URN_VISITOR_USER].defaultLocationId, leeds);
  });

  it('path-less replace with nested objects merges complex attributes; extension object by URN', async () => {
    const user = await createUser(t, 'nested@example.com', {
      name: { givenName: 'A', familyName: 'B', formatted: 'A B' },
    });
    const res = await patch(user.id, {
      op: 'replace',
      value: { name: { givenName: 'C' }, [URN_VISITOR_USER]: { sso: 'True' }, id: user.id },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.name, { givenName: 'C', familyName: 'B', formatted: 'A B' });
    assert.equal(res.body[URN_VISITOR_USER].sso, true);
  });

  it('a path naming the extension itself: add/replace set its attributes, remove restores their defaults', async () => {
    const user = await createUser(t, 'ext@example.com');
    const set = await patch(user.id, {
      op: 'replace',
      path: URN_VISITOR_USER,
      value: { sso: true, defaultLocationId: leeds, locationAccess: [{ locationId: paris, role: 'admin' }] },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body[URN_VISITOR_USER].sso, true);
    assert.equal(set.body[URN_VISITOR_USER].defaultLocationId, leeds);
    assert.deepEqual(set.body[URN_VISITOR_USER].locationAccess, [{ locationId: paris, role: 'admin' }]);
    const removed = await patch(user.id, { op: 'remove', path: URN_VISITOR_USER.toUpperCase() });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body[URN_VISITOR_USER].sso, false);
    assert.equal(removed.body[URN_VISITOR_USER].defaultLocationId, hq);
    assert.deepEqual(removed.body[URN_VISITOR_USER].locationAccess, []);
  });

  it('Okta deactivation: replace without path, {active:false}', async () => {
    const user = await createUser(t, 'okta@example.com');
    const res = await patch(user.id, { op: 'replace', value: { active: false } });
    assert.equal(res.body.active, false);
  });

  it('value-filter path emails[type eq "work"].value together with userName', async () => {
    const user = await createUser(t, 'old@example.com', {
      emails: [
        { value: 'old@example.com', type: 'work', primary: true },
        { value: 'me@home.org', type: 'home' },
      ],
    });
    const res = await patch(
      user.id,
      { op: 'Replace', path: 'emails[type eq "Work"].value', value: 'new@example.com' },
      { op: 'Replace', path: 'userName', value: 'new@example.com' },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.emails, [
      { value: 'new@example.com', type: 'work', primary: true },
      { value: 'me@home.org', type: 'home' },
    ]);
    assert.equal(res.body.userName, 'new@example.com');
    // Visitor's rule still holds after PATCH: changing only the e-mail is refused.
    const broken = await patch(user.id, {
      op: 'replace',
      path: 'emails[type eq "work"].value',
      value: 'x@example.com',
    });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.scimType, 'invalidValue');
  });

  it('add to emails merges by value; remove by value filter', async () => {
    const user = await createUser(t, 'mail@example.com');
    const added = await patch(user.id, {
      op: 'add',
      path: 'emails',
      value: [{ value: 'other@home.org', type: 'home' }],
    });
    assert.equal(added.body.emails.length, 2);
    const again = await patch(user.id, {
      op: 'add',
      path: 'emails',
      value: [{ value: 'OTHER@home.org', type: 'other' }],
    });
    assert.equal(again.body.emails.length, 2);
    assert.equal(again.body.emails[1].type, 'other');
    const removed = await patch(user.id, { op: 'remove', path: 'emails[value eq "other@home.org"]' });
    assert.deepEqual(removed.body.emails, [{ value: 'mail@example.com', type: 'work', primary: true }]);
  });

  it('locationAccess: add merges by locationId, replace a role by filter, remove by filter', async () => {
    const user = await createUser(t, 'access@example.com', {
      [URN_VISITOR_USER]: { locationAccess: [{ locationId: hq, role: 'admin' }] },
    });
    const path = `${URN_VISITOR_USER}:locationAccess`;
    const added = await patch(user.id, {
      op: 'add',
      path,
      value: [
        { locationId: leeds, role: 'regular' },
        { locationId: hq, role: 'regular' },
      ],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body[URN_VISITOR_USER].locationAccess, [
      { locationId: hq, role: 'regular' },
      { locationId: leeds, role: 'regular' },
    ]);

    const role = await patch(user.id, {
      op: 'replace',
      path: `${path}[locationId eq "${leeds}"].role`,
      value: 'admin',
    });
    assert.deepEqual(role.body[URN_VISITOR_USER].locationAccess, [
      { locationId: hq, role: 'regular' },
      { locationId: leeds, role: 'admin' },
    ]);

    const removed = await patch(user.id, { op: 'remove', path: `locationAccess[locationId eq "${hq}"]` });
    assert.deepEqual(removed.body[URN_VISITOR_USER].locationAccess, [{ locationId: leeds, role: 'admin' }]);

    // add through a filter that matches nothing creates the entry (upsert)
    const upsert = await patch(user.id, {
      op: 'add',
      path: `${path}[locationId eq "${paris}"].role`,
      value: 'regular',
    });
    assert.deepEqual(upsert.body[URN_VISITOR_USER].locationAccess, [
      { locationId: leeds, role: 'admin' },
      { locationId: paris, role: 'regular' },
    ]);
  });

  it('locationAccess rules still apply after PATCH', async () => {
    const user = await createUser(t, 'rules@example.com');
    const unknown = await patch(user.id, {
      op: 'add',
      path: 'locationAccess',
      value: [{ locationId: 'nowhere', role: 'regular' }],
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.scimType, 'invalidValue');
    const badRole = await patch(user.id, {
      op: 'add',
      path: 'locationAccess',
      value: [{ locationId: leeds, role: 'owner' }],
    });
    assert.equal(badRole.status, 400);
    assert.equal(
      (await t.scim('GET', `/Users/${user.id}`)).body.meta.version,
      'W/"1"',
      'refused PATCH changed nothing',
    );
  });

  it('errors: remove without path → noTarget; replace by unmatched filter → noTarget; bad path → invalidPath', async () => {
    const user = await createUser(t, 'errs@example.com');
    const noPath = await patch(user.id, { op: 'remove' });
    assert.equal(noPath.body.scimType, 'noTarget');
    const noMatch = await patch(user.id, {
      op: 'replace',
      path: `locationAccess[locationId eq "${leeds}"].role`,
      value: 'admin',
    });
    assert.equal(noMatch.status, 400);
    assert.equal(noMatch.body.scimType, 'noTarget');
    const badPath = await patch(user.id, { op: 'replace', path: 'nickName', value: 'x' });
    assert.equal(badPath.body.scimType, 'invalidPath');
    const badOp = await patch(user.id, { op: 'move', path: 'title', value: 'x' });
    assert.equal(badOp.body.scimType, 'invalidSyntax');
    const notPatchOp = await t.scim('PATCH', `/Users/${user.id}`, { Operations: [] });
    assert.equal(notPatchOp.status, 400);
  });

  it('read-only and create-only attributes cannot be patched', async () => {
    const user = await createUser(t, 'ro@example.com');
    for (const path of [
      'id',
      'meta.created',
      `${URN_VISITOR_USER}:invitation.status`,
      `${URN_VISITOR_USER}:sendInvitation`,
    ]) {
      const res = await patch(user.id, { op: 'replace', path, value: 'x' });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.scimType, 'mutability', path);
    }
  });

  it('If-Match on PATCH: stale → 412, nothing changed', async () => {
    const user = await createUser(t, 'ifm@example.com');
    const res = await t.scim(
      'PATCH',
      `/Users/${user.id}`,
      patchBody({ op: 'replace', path: 'title', value: 'x' }),
      {
        'if-match': 'W/"5"',
      },
    );
    assert.equal(res.status, 412);
    assert.equal((await t.scim('GET', `/Users/${user.id}`)).body.title, undefined);
  });

  it('PATCH on a location', async () => {
    const res = await t.scim(
      'PATCH',
      `/Locations/${leeds}`,
      patchBody(
        { op: 'Replace', path: 'name', value: 'Leeds City' },
        { op: 'add', path: 'address.locality', value: 'Leeds' },
        { op: 'add', value: { timeZone: 'Europe/London', externalId: 'engage-9' } },
      ),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Leeds City');
    assert.deepEqual(res.body.address, { locality: 'Leeds' });
    assert.equal(res.body.timeZone, 'Europe/London');
    assert.equal(res.body.externalId, 'engage-9');
    const ro = await t.scim(
      'PATCH',
      `/Locations/${leeds}`,
      patchBody({ op: 'replace', path: 'isDefault', value: true }),
    );
    assert.equal(ro.body.scimType, 'mutability');
  });
});
