// What strict SCIM clients (scim2-client, scim2-tester) need from discovery, and hostile requests
// that must get a 4xx SCIM error rather than a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { patchBody, q, startTestEmulator, userBody } from './helpers';
import { URN_CORE_USER, URN_ERROR, URN_VISITOR_USER } from './urns';

describe('discovery a strict client can use', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(() => t.close());

  it('documentationUri is an absolute HTTP URL that answers with the contract', async () => {
    const spc = await t.scim('GET', '/ServiceProviderConfig');
    const uri = new URL(spc.body.documentationUri); // throws on a relative reference
    assert.match(uri.protocol, /^https?:$/);
    const doc = await fetch(uri);
    assert.equal(doc.status, 200);
    assert.match(await doc.text(), /Eptura Visitor SCIM 2\.0 API/);
  });

  it('sendInvitation is published as PATCH treats it: settable on create only, never returned', async () => {
    const ext = await t.scim('GET', `/Schemas/${URN_VISITOR_USER}`);
    const attr = ext.body.attributes.find((a: { name: string }) => a.name === 'sendInvitation');
    assert.equal(attr.mutability, 'immutable', 'RFC 7643: set at creation, never updated');
    assert.equal(attr.returned, 'never');
    const user = await t.scim('POST', '/Users', userBody('inv@example.com'));
    const refused = await t.scim(
      'PATCH',
      `/Users/${user.body.id}`,
      patchBody({ op: 'replace', path: `${URN_VISITOR_USER}:sendInvitation`, value: true }),
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.scimType, 'mutability');
  });

  it('the User resource type does not require the extension a create may omit', async () => {
    const type = await t.scim('GET', '/ResourceTypes/User');
    assert.deepEqual(type.body.schemaExtensions, [{ schema: URN_VISITOR_USER, required: false }]);
    const body = { ...userBody('plain@example.com'), schemas: [URN_CORE_USER] };
    const created = await t.scim('POST', '/Users', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
});

describe('hostile requests get a SCIM 4xx/501, never a 500', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(() => t.close());

  const refusedFilter = async (filter: string, detail: RegExp) => {
    const res = await t.scim('GET', q(filter));
    assert.equal(res.status, 400);
    assert.equal(res.body.scimType, 'invalidFilter');
    assert.match(res.body.detail, detail);
  };

  it('3,000 nested parentheses → 400 invalidFilter (depth is capped)', async () => {
    await refusedFilter(`${'('.repeat(3000)}userName eq "x"${')'.repeat(3000)}`, /too long|nested/);
    await refusedFilter(`${'('.repeat(60)}userName eq "x"${')'.repeat(60)}`, /nested too deeply/);
    await refusedFilter(`${'not ('.repeat(60)}userName eq "x"${')'.repeat(60)}`, /nested too deeply/);
  });

  it('a filter longer than 4,096 characters → 400 invalidFilter', async () => {
    await refusedFilter(`userName eq "${'x'.repeat(4100)}"`, /too long/);
  });

  it('nesting within the cap still works', async () => {
    const res = await t.scim('GET', q(`${'('.repeat(40)}userName eq "nobody@example.com"${')'.repeat(40)}`));
    assert.equal(res.status, 200);
    assert.equal(res.body.totalResults, 0);
  });

  for (const path of ['/.search', '/Users/.search', '/Locations/.search']) {
    it(`POST ${path} → 501 with a SCIM error`, async () => {
      const res = await t.scim('POST', path, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'userName eq "x"',
      });
      assert.equal(res.status, 501);
      assert.deepEqual(res.body.schemas, [URN_ERROR]);
      assert.equal(res.body.status, '501');
      assert.match(res.body.detail, /GET .*filter/);
    });
  }
});
