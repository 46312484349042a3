// PATCH remove of what Engage keeps for every user is a 400 mutability (RFC 7644 §3.5.2), not a 200
// that silently changes nothing; removals that mean something are applied. And the root /.search.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGAGE, ENTERPRISE, GROUP, newUser, PATCH, type ScimHarness, SEARCH, scimHarness } from './support';

describe('Engage SCIM PATCH remove and the root /.search', () => {
  let h: ScimHarness;
  let id: string;
  before(async () => {
    h = await scimHarness('patchremove');
    id = (
      await h.call(
        'POST',
        '/Users',
        newUser('keep@example.com', {
          externalId: 'ext-keep',
          title: 'Keeper',
          [ENTERPRISE]: { department: 'Ops' },
          [ENGAGE]: { userType: 'vendor', sso: true, customAttributes: [{ name: 'badge', value: 'B1' }] },
        }),
      )
    ).body.id;
  });
  after(() => h.close());

  const patch = (...Operations: unknown[]) =>
    h.call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations });

  it('refuses to remove active, userType, sso, the Engage extension or a set externalId', async () => {
    const before = (await h.call('GET', `/Users/${id}`)).body;
    for (const [label, op, attr] of [
      ['active', { op: 'remove', path: 'active' }, 'active'],
      ['userType', { op: 'remove', path: `${ENGAGE}:userType` }, 'userType'],
      ['sso', { op: 'Remove', path: `${ENGAGE}:sso` }, 'sso'],
      ['the extension', { op: 'remove', path: ENGAGE }, 'userType'],
      ['externalId', { op: 'remove', path: 'externalId' }, 'externalId'],
      ['active to null', { op: 'replace', path: 'active', value: null }, 'active'],
      ['sso to null (no path)', { op: 'replace', value: { [`${ENGAGE}:sso`]: null } }, 'sso'],
    ] as const) {
      const r = await patch(op);
      assert.equal(r.status, 400, `${label}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.scimType, 'mutability', label);
      assert.match(r.body.detail, new RegExp(attr), label);
    }
    const after = (await h.call('GET', `/Users/${id}`)).body;
    assert.deepEqual(after, before, 'nothing changed');
  });

  it('applies removals that mean something', async () => {
    const r = await patch(
      { op: 'remove', path: `${ENGAGE}:customAttributes` },
      { op: 'remove', path: `${ENTERPRISE}:department` },
      { op: 'remove', path: 'title' },
    );
    assert.equal(r.status, 200);
    assert.deepEqual(r.body[ENGAGE], { userType: 'vendor', sso: true });
    assert.equal(r.body[ENTERPRISE], undefined);
    assert.equal(r.body.title, undefined);
    // externalId that was never set: removing it is no change.
    const bare = (await h.call('POST', '/Users', newUser('bare@example.com'))).body.id;
    const none = await h.call('PATCH', `/Users/${bare}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: 'externalId' }],
    });
    assert.equal(none.status, 200);
    assert.equal(none.body.externalId, undefined);
  });

  it('removes a group externalId (groups have no such rule)', async () => {
    const g = (await h.call('POST', '/Groups', { schemas: [GROUP], displayName: 'G', externalId: 'gx' })).body
      .id;
    const r = await h.call('PATCH', `/Groups/${g}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: 'externalId' }],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.externalId, undefined);
  });

  it('answers POST /.search at the root 501 with a SCIM error', async () => {
    const r = await h.call('POST', '/.search', { schemas: [SEARCH], filter: 'userName pr' });
    assert.equal(r.status, 501);
    assert.deepEqual(r.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(r.body.status, '501');
    assert.match(r.body.detail, /\/Users\/\.search/);
    assert.equal((await h.call('GET', '/.search')).status, 405);
  });
});
