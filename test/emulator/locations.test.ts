import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, startTestEmulator } from './helpers';
import { URN_LOCATION_SCHEMA, URN_VISITOR_USER } from './urns';

describe('locations', () => {
  let t: TestEmulator;
  let hq: string;
  before(async () => {
    t = await startTestEmulator({ defaultLocation: { name: 'Main office', timeZone: 'Europe/Brussels' } });
  });
  beforeEach(async () => {
    hq = (await t.admin('POST', '/reset')).body.defaultLocationId;
  });
  after(() => t.close());

  it('exactly one default location exists from the start, named from the options', async () => {
    const res = await t.scim('GET', '/Locations');
    assert.equal(res.body.totalResults, 1);
    const [loc] = res.body.Resources;
    assert.equal(loc.id, hq);
    assert.equal(loc.name, 'Main office');
    assert.equal(loc.isDefault, true);
    assert.equal(loc.timeZone, 'Europe/Brussels');
    assert.match(loc.companyId, /^CP-/);
    assert.match(loc.locationId, /^\d+$/);
  });

  it('create assigns companyId/locationId; get, PUT and list work', async () => {
    const res = await t.scim('POST', '/Locations', {
      schemas: [URN_LOCATION_SCHEMA],
      externalId: 'engage-12',
      name: 'Leeds',
      address: { streetAddress: '1 Park Row', locality: 'Leeds', postalCode: 'LS1', country: 'GB' },
      timeZone: 'Europe/London',
      companyId: 'ignored',
      isDefault: true,
    });
    assert.equal(res.status, 201);
    const loc = res.body;
    assert.equal(res.headers.get('location'), `${t.emulator.baseUrl}/Locations/${loc.id}`);
    assert.equal(loc.isDefault, false, 'isDefault is read-only');
    assert.notEqual(loc.companyId, 'ignored');
    assert.equal(loc.externalId, 'engage-12');
    assert.equal(loc.meta.resourceType, 'Location');

    const put = await t.scim(
      'PUT',
      `/Locations/${loc.id}`,
      { schemas: [URN_LOCATION_SCHEMA], name: 'Leeds HQ' },
      {
        'if-match': loc.meta.version,
      },
    );
    assert.equal(put.status, 200);
    assert.equal(put.body.name, 'Leeds HQ');
    assert.equal(put.body.externalId, undefined);
    assert.equal(put.body.companyId, loc.companyId);
    assert.equal(put.body.meta.version, 'W/"2"');

    const got = await t.scim('GET', `/Locations/${loc.id}`);
    assert.deepEqual(got.body, put.body);
    const list = await t.scim('GET', '/Locations');
    assert.deepEqual(
      list.body.Resources.map((l: { id: string }) => l.id),
      [hq, loc.id],
    );
  });

  it('validation: name required, externalId unique (409), time zone must be IANA, 255 chars', async () => {
    const noName = await t.scim('POST', '/Locations', { schemas: [URN_LOCATION_SCHEMA] });
    assert.equal(noName.status, 400);
    assert.match(noName.body.detail, /'name' is required/);
    await createLocation(t, 'A', { externalId: 'x1' });
    const dup = await t.scim('POST', '/Locations', {
      schemas: [URN_LOCATION_SCHEMA],
      name: 'B',
      externalId: 'x1',
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.scimType, 'uniqueness');
    const tz = await t.scim('POST', '/Locations', {
      schemas: [URN_LOCATION_SCHEMA],
      name: 'C',
      timeZone: 'Mars/Olympus',
    });
    assert.equal(tz.body.scimType, 'invalidValue');
    const long = await t.scim('POST', '/Locations', {
      schemas: [URN_LOCATION_SCHEMA],
      name: 'n'.repeat(256),
    });
    assert.equal(long.body.scimType, 'invalidValue');
  });

  it('the default location cannot be deleted', async () => {
    const res = await t.scim('DELETE', `/Locations/${hq}`);
    assert.equal(res.status, 400);
    assert.equal((await t.scim('GET', `/Locations/${hq}`)).status, 200);
  });

  it('deleting a location removes it from access; users homed there move to the default', async () => {
    const leeds = await createLocation(t, 'Leeds');
    const paris = await createLocation(t, 'Paris');
    const homed = await createUser(t, 'homed@example.com', {
      [URN_VISITOR_USER]: {
        defaultLocationId: leeds.id,
        locationAccess: [
          { locationId: leeds.id, role: 'admin' },
          { locationId: paris.id, role: 'regular' },
        ],
      },
    });
    const bystander = await createUser(t, 'bystander@example.com', {
      [URN_VISITOR_USER]: { locationAccess: [{ locationId: paris.id, role: 'regular' }] },
    });
    assert.equal((await t.scim('DELETE', `/Locations/${leeds.id}`)).status, 204);
    assert.equal((await t.scim('GET', `/Locations/${leeds.id}`)).status, 404);

    const after1 = (await t.scim('GET', `/Users/${homed.id}`)).body;
    assert.equal(after1[URN_VISITOR_USER].defaultLocationId, hq);
    assert.deepEqual(after1[URN_VISITOR_USER].locationAccess, [{ locationId: paris.id, role: 'regular' }]);
    assert.equal(after1.meta.version, 'W/"2"');
    const after2 = (await t.scim('GET', `/Users/${bystander.id}`)).body;
    assert.equal(after2.meta.version, 'W/"1"', 'users without access to it are untouched');
  });

  it('a new location gets a fresh access slot: old users have no access to it', async () => {
    const user = await createUser(t, 'early@example.com', {
      [URN_VISITOR_USER]: { locationAccess: [{ locationId: hq, role: 'admin' }] },
    });
    const later = await createLocation(t, 'Later');
    const got = (await t.scim('GET', `/Users/${user.id}`)).body;
    assert.deepEqual(got[URN_VISITOR_USER].locationAccess, [{ locationId: hq, role: 'admin' }]);
    const patched = await t.scim('PATCH', `/Users/${user.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'locationAccess', value: [{ locationId: later.id, role: 'regular' }] }],
    });
    assert.equal(patched.body[URN_VISITOR_USER].locationAccess.length, 2);
  });

  it('reset drops other locations unless keepLocations=true', async () => {
    await createLocation(t, 'Keep me');
    await t.admin('POST', '/reset?keepLocations=true');
    assert.equal((await t.scim('GET', '/Locations?count=0')).body.totalResults, 2);
    const res = await t.admin('POST', '/reset');
    assert.equal(res.body.defaultLocationId, hq, 'the default location survives a reset');
    assert.equal((await t.scim('GET', '/Locations?count=0')).body.totalResults, 1);
  });
});
