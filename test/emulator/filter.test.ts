import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, q, startTestEmulator } from './helpers';
import { URN_VISITOR_USER } from './urns';

describe('filters', () => {
  let t: TestEmulator;
  let leeds: { id: string };
  const names = async (filter: string) => {
    const res = await t.scim('GET', q(filter));
    assert.equal(res.status, 200, `${filter} → ${JSON.stringify(res.body)}`);
    assert.equal(res.body.totalResults, res.body.Resources.length);
    return res.body.Resources.map((u: { userName: string }) =>
      u.userName.split('@')[0]!.toLowerCase(),
    ).sort();
  };
  const invalid = async (filter: string) => {
    const res = await t.scim('GET', q(filter));
    assert.equal(res.status, 400, filter);
    assert.equal(res.body.scimType, 'invalidFilter', filter);
  };

  before(async () => {
    t = await startTestEmulator();
    leeds = await createLocation(t, 'Leeds');
    await createUser(t, 'alice@example.com', {
      externalId: 'E1',
      name: { givenName: 'Alice', familyName: 'Smith' },
      title: 'Engineer',
      emails: [
        { value: 'alice@example.com', type: 'work', primary: true },
        { value: 'alice@home.org', type: 'home' },
      ],
    });
    await createUser(t, 'bob@example.com', {
      externalId: 'E2',
      name: { givenName: 'Bob', familyName: 'Jones' },
      active: false,
    });
    await createUser(t, 'carol@example.org', {
      name: { givenName: 'Carol', familyName: 'Smithers' },
      [URN_VISITOR_USER]: {
        locationAccess: [{ locationId: leeds.id, role: 'admin' }],
        defaultLocationId: leeds.id,
      },
    });
    await createUser(t, 'Dave@EXAMPLE.com', {
      externalId: 'E4',
      name: { givenName: 'Dave', familyName: 'Brown' },
      emails: [{ value: 'dave@example.com', type: 'Work' }],
      [URN_VISITOR_USER]: { sso: true, locationAccess: [{ locationId: leeds.id, role: 'regular' }] },
    });
  });
  after(() => t.close());

  it('eq on userName is case-insensitive (attribute names too)', async () => {
    assert.deepEqual(await names('userName eq "ALICE@example.com"'), ['alice']);
    assert.deepEqual(await names('USERNAME EQ "dave@example.com"'), ['dave']);
    assert.deepEqual(await names('userName eq "nobody@example.com"'), []);
  });

  it('eq on externalId and id is case-exact', async () => {
    assert.deepEqual(await names('externalId eq "E2"'), ['bob']);
    assert.deepEqual(await names('externalId eq "e2"'), []);
    const bob = await t.scim('GET', q('externalId eq "E2"'));
    assert.deepEqual(await names(`id eq "${bob.body.Resources[0].id}"`), ['bob']);
  });

  it('Entra "test connection": a random GUID gives 200 with an empty list', async () => {
    assert.deepEqual(await names('id eq "0b9a7a4e-4b1c-4c2f-9b3e-f2f9d2a6c111"'), []);
  });

  it('accepts an unquoted value (Entra documentation sample)', async () => {
    assert.deepEqual(await names('externalId eq E1'), ['alice']);
  });

  it('ne, co, sw, ew', async () => {
    assert.deepEqual(await names('externalId ne "E1"'), ['bob', 'carol', 'dave']);
    assert.deepEqual(await names('name.familyName co "SMITH"'), ['alice', 'carol']);
    assert.deepEqual(await names('userName sw "B"'), ['bob']);
    assert.deepEqual(await names('userName ew ".ORG"'), ['carol']);
  });

  it('pr', async () => {
    assert.deepEqual(await names('externalId pr'), ['alice', 'bob', 'dave']);
    assert.deepEqual(await names('title pr'), ['alice']);
  });

  it('gt ge lt le on strings and date-times', async () => {
    assert.deepEqual(await names('userName gt "bob@example.com"'), ['carol', 'dave']);
    assert.deepEqual(await names('userName ge "bob@example.com"'), ['bob', 'carol', 'dave']);
    assert.deepEqual(await names('userName lt "bob@example.com"'), ['alice']);
    assert.deepEqual(await names('userName le "bob@example.com"'), ['alice', 'bob']);
    assert.deepEqual(await names('meta.created gt "2000-01-01T00:00:00Z"'), [
      'alice',
      'bob',
      'carol',
      'dave',
    ]);
    assert.deepEqual(await names('meta.lastModified lt "2000-01-01T00:00:00Z"'), []);
    assert.deepEqual(await names('meta.created le "2999-01-01T00:00:00.000Z"'), [
      'alice',
      'bob',
      'carol',
      'dave',
    ]);
    assert.deepEqual(await names('meta.created ge "2999-01-01T00:00:00Z"'), []);
  });

  it('booleans: active eq true/false, also as strings', async () => {
    assert.deepEqual(await names('active eq false'), ['bob']);
    assert.deepEqual(await names('active eq "True"'), ['alice', 'carol', 'dave']);
  });

  it('and / or / not with precedence and parentheses', async () => {
    assert.deepEqual(await names('name.familyName sw "Smith" and active eq true'), ['alice', 'carol']);
    assert.deepEqual(await names('externalId eq "E1" or externalId eq "E2"'), ['alice', 'bob']);
    // and binds tighter than or
    assert.deepEqual(await names('userName sw "a" or userName sw "b" and active eq true'), ['alice']);
    assert.deepEqual(await names('(userName sw "a" or userName sw "b") and active eq false'), ['bob']);
    assert.deepEqual(await names('not (externalId pr)'), ['carol']);
    assert.deepEqual(await names('not (active eq true) or (name.givenName eq "carol")'), ['bob', 'carol']);
  });

  it('e-mail filters: emails.value, emails eq, value paths with type, case-insensitive', async () => {
    assert.deepEqual(await names('emails.value eq "ALICE@HOME.ORG"'), ['alice']);
    assert.deepEqual(await names('emails eq "alice@home.org"'), ['alice']);
    assert.deepEqual(await names('emails[type eq "work"].value eq "DAVE@example.com"'), ['dave']);
    assert.deepEqual(await names('emails[type eq "work"].value eq "alice@home.org"'), []);
    assert.deepEqual(await names('emails[type eq "home"]'), ['alice']);
    assert.deepEqual(await names('emails[type eq "home" and value co "home"]'), ['alice']);
    assert.deepEqual(
      await names('emails[type eq "work"].value eq "bob@example.com" and userName eq "bob@example.com"'),
      ['bob'],
    );
  });

  it('extension attributes, plain and URN-qualified', async () => {
    assert.deepEqual(await names(`defaultLocationId eq "${leeds.id}"`), ['carol']);
    assert.deepEqual(await names(`${URN_VISITOR_USER}:sso eq true`), ['dave']);
    assert.deepEqual(await names(`locationAccess[locationId eq "${leeds.id}" and role eq "admin"]`), [
      'carol',
    ]);
    assert.deepEqual(await names(`${URN_VISITOR_USER}:locationAccess.locationId eq "${leeds.id}"`), [
      'carol',
      'dave',
    ]);
    assert.deepEqual(await names(`${URN_VISITOR_USER}:invitation.status eq "held"`), [
      'alice',
      'bob',
      'carol',
      'dave',
    ]);
    assert.deepEqual(await names('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "bob"'), [
      'bob',
    ]);
  });

  it('filters combine with paging', async () => {
    const res = await t.scim('GET', `${q('active eq true')}&startIndex=2&count=1`);
    assert.equal(res.body.totalResults, 3);
    assert.equal(res.body.Resources.length, 1);
    assert.equal(res.body.Resources[0].userName, 'carol@example.org');
  });

  it('unknown attributes and bad syntax → 400 invalidFilter', async () => {
    await invalid('nickName eq "x"');
    await invalid('name.middleName eq "x"');
    await invalid('urn:unknown:schema:attr eq "x"');
    await invalid('userName eq');
    await invalid('userName equals "x"');
    await invalid('(userName eq "x"');
    await invalid('userName eq "x" and');
    await invalid('userName eq "unterminated');
    await invalid('active gt true');
    await invalid('meta.created gt "not a date"');
    await invalid('userName[value eq "x"]');
    await invalid('emails[type eq "work"');
    await invalid('name eq "x"');
  });

  it('locations filter on externalId and name', async () => {
    await createLocation(t, 'Manchester', { externalId: 'loc-7' });
    const byExt = await t.scim('GET', `/Locations?filter=${encodeURIComponent('externalId eq "loc-7"')}`);
    assert.deepEqual(
      byExt.body.Resources.map((l: { name: string }) => l.name),
      ['Manchester'],
    );
    const byName = await t.scim('GET', `/Locations?filter=${encodeURIComponent('name sw "lee"')}`);
    assert.deepEqual(
      byName.body.Resources.map((l: { name: string }) => l.name),
      ['Leeds'],
    );
    const bad = await t.scim('GET', `/Locations?filter=${encodeURIComponent('userName eq "x"')}`);
    assert.equal(bad.body.scimType, 'invalidFilter');
  });
});
