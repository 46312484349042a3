import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, startTestEmulator, userBody } from './helpers';
import { URN_VISITOR_USER } from './urns';

describe("Visitor's rules", () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  beforeEach(() => t.admin('POST', '/reset'));
  after(() => t.close());

  async function expect400(body: Record<string, unknown>, detail: RegExp) {
    const res = await t.scim('POST', '/Users', body);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.scimType, 'invalidValue');
    assert.match(res.body.detail, detail);
    const list = await t.scim('GET', '/Users?count=0');
    assert.equal(list.body.totalResults, 0, 'a refused create stores nothing');
  }

  it('userName must equal the primary work e-mail (case-insensitively)', async () => {
    await expect400(
      { ...userBody('a@example.com'), emails: [{ value: 'b@example.com', type: 'work', primary: true }] },
      /userName/,
    );
    const ok = await t.scim('POST', '/Users', {
      ...userBody('Mixed.Case@Example.com'),
      emails: [
        { value: 'home@example.org', type: 'home' },
        { value: 'mixed.case@example.COM', type: 'work', primary: true },
      ],
    });
    assert.equal(ok.status, 201);
  });

  it('a work e-mail is required', async () => {
    await expect400(
      { ...userBody('a@example.com'), emails: [{ value: 'a@example.com', type: 'home' }] },
      /work/,
    );
    await expect400({ ...userBody('a@example.com'), emails: [] }, /emails/);
  });

  it('at most one primary e-mail', async () => {
    await expect400(
      {
        ...userBody('a@example.com'),
        emails: [
          { value: 'a@example.com', type: 'work', primary: true },
          { value: 'b@example.com', type: 'home', primary: true },
        ],
      },
      /primary/,
    );
  });

  for (const [attr, mutate] of [
    ['userName', (b: Record<string, unknown>) => delete b.userName],
    ['name.givenName', (b: Record<string, unknown>) => delete (b.name as Record<string, unknown>).givenName],
    [
      'name.familyName',
      (b: Record<string, unknown>) => delete (b.name as Record<string, unknown>).familyName,
    ],
    ['name', (b: Record<string, unknown>) => delete b.name],
    ['emails', (b: Record<string, unknown>) => delete b.emails],
  ] as const) {
    it(`${attr} is required and the error names it`, async () => {
      const body = structuredClone(userBody('a@example.com'));
      mutate(body);
      await expect400(body, new RegExp(`'${attr.replace('.', '\\.')}' is required`));
    });
  }

  it('strings longer than 255 characters are refused', async () => {
    await expect400(userBody('a@example.com', { title: 'x'.repeat(256) }), /'title' is longer than 255/);
    await expect400(
      { ...userBody('a@example.com'), name: { givenName: 'g'.repeat(256), familyName: 'f' } },
      /'name\.givenName' is longer than 255/,
    );
    const ok = await t.scim('POST', '/Users', userBody('a@example.com', { title: 'x'.repeat(255) }));
    assert.equal(ok.status, 201);
  });

  it('phone numbers must be E.164', async () => {
    for (const value of ['07700 900123', '+0123456789', '+12', '+1234567890123456', '12345678']) {
      await expect400(
        userBody('a@example.com', { phoneNumbers: [{ value, type: 'mobile' }] }),
        /phoneNumbers\[0\]\.value/,
      );
    }
    const ok = await t.scim(
      'POST',
      '/Users',
      userBody('a@example.com', { phoneNumbers: [{ value: '+447700900123', type: 'work' }] }),
    );
    assert.equal(ok.status, 201);
  });

  it('defaultLocationId and every locationAccess location must exist; one entry per location', async () => {
    await expect400(
      userBody('a@example.com', { [URN_VISITOR_USER]: { defaultLocationId: 'nowhere' } }),
      /defaultLocationId/,
    );
    await expect400(
      userBody('a@example.com', {
        [URN_VISITOR_USER]: { locationAccess: [{ locationId: 'nowhere', role: 'regular' }] },
      }),
      /locationAccess/,
    );
    const loc = await createLocation(t, 'Paris');
    await expect400(
      userBody('a@example.com', {
        [URN_VISITOR_USER]: {
          locationAccess: [
            { locationId: loc.id, role: 'regular' },
            { locationId: loc.id, role: 'admin' },
          ],
        },
      }),
      /twice/,
    );
    await expect400(
      userBody('a@example.com', {
        [URN_VISITOR_USER]: { locationAccess: [{ locationId: loc.id, role: 'owner' }] },
      }),
      /role/,
    );
  });

  it('userName is unique case-insensitively → 409 uniqueness', async () => {
    await createUser(t, 'dup@example.com');
    const res = await t.scim('POST', '/Users', userBody('DUP@Example.com'));
    assert.equal(res.status, 409);
    assert.equal(res.body.scimType, 'uniqueness');
    assert.equal(res.body.status, '409');
  });

  it('externalId is unique when present → 409 uniqueness', async () => {
    await createUser(t, 'one@example.com', { externalId: 'E-1' });
    const res = await t.scim('POST', '/Users', userBody('two@example.com', { externalId: 'E-1' }));
    assert.equal(res.status, 409);
    assert.equal(res.body.scimType, 'uniqueness');
    // externalId is case-exact: a different case is a different id.
    assert.equal(
      (await t.scim('POST', '/Users', userBody('three@example.com', { externalId: 'e-1' }))).status,
      201,
    );
  });

  it('a PUT or PATCH may not take another user’s userName', async () => {
    await createUser(t, 'taken@example.com');
    const other = await createUser(t, 'other@example.com');
    const put = await t.scim('PUT', `/Users/${other.id}`, userBody('Taken@example.com'));
    assert.equal(put.status, 409);
    const patch = await t.scim('PATCH', `/Users/${other.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          value: {
            userName: 'taken@example.com',
            emails: [{ value: 'taken@example.com', type: 'work', primary: true }],
          },
        },
      ],
    });
    assert.equal(patch.status, 409);
    assert.equal((await t.scim('GET', `/Users/${other.id}`)).body.userName, 'other@example.com');
  });
});
