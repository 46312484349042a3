import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ALL_SCOPES,
  BULK,
  type Call,
  ENGAGE,
  GROUP,
  newUser,
  PATCH,
  type Reply,
  type ScimHarness,
  SEARCH,
  scimHarness,
  USER,
} from './support';

const ADMIN_TYPES = ['global_admin', 'country_admin', 'location_admin', 'group_admin', 'video_admin'];

function assertForbidden(r: Reply, scope: string, label: string) {
  assert.equal(r.status, 403, `${label}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.deepEqual(r.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], label);
  assert.equal(r.body.status, '403', label);
  assert.match(r.body.detail, new RegExp(`"${scope}" scope`), label);
}

describe('Engage SCIM client scopes', () => {
  let h: ScimHarness;
  let userId: string;
  let groupId: string;
  before(async () => {
    h = await scimHarness('scopes', { scopes: ALL_SCOPES });
    userId = (await h.call('POST', '/Users', newUser('scoped@example.com'))).body.id;
    groupId = (await h.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Scoped' })).body.id;
  });
  after(() => h.close());

  const userType = async (id: string) =>
    (
      await h.db.db
        .selectFrom('engage.users')
        .select('user_type')
        .where('id', '=', Number(id))
        .executeTakeFirstOrThrow()
    ).user_type;

  it('reads need "read": every list, get and search route', async () => {
    const noRead = await h.as(['users', 'groups']);
    const search = { schemas: [SEARCH], filter: 'userName pr' };
    for (const [method, path, body] of [
      ['GET', '/Users', undefined],
      ['GET', `/Users?filter=${encodeURIComponent('userName eq "scoped@example.com"')}`, undefined],
      ['GET', `/Users/${userId}`, undefined],
      ['POST', '/Users/.search', search],
      ['GET', '/Groups', undefined],
      ['GET', `/Groups/${groupId}`, undefined],
      ['POST', '/Groups/.search', { schemas: [SEARCH] }],
      ['POST', '/.search', { schemas: [SEARCH] }],
    ] as const) {
      assertForbidden(await noRead(method, path, body), 'read', `${method} ${path}`);
    }
    // The same routes with the scope.
    const reader = await h.as(['read']);
    assert.equal((await reader('GET', `/Users/${userId}`)).status, 200);
    assert.equal((await reader('POST', '/Users/.search', search)).status, 200);
    assert.equal((await reader('GET', `/Groups/${groupId}`)).status, 200);
  });

  it('user writes need "users": POST, PUT, PATCH and DELETE, before the body is even looked at', async () => {
    const noUsers = await h.as(['read', 'groups']);
    const patch = { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'X' }] };
    for (const [method, path, body] of [
      ['POST', '/Users', newUser('nope@example.com')],
      ['POST', '/Users', { not: 'a user' }],
      ['PUT', `/Users/${userId}`, newUser('scoped@example.com')],
      ['PATCH', `/Users/${userId}`, patch],
      ['DELETE', `/Users/${userId}`, undefined],
    ] as const) {
      assertForbidden(await noUsers(method, path, body), 'users', `${method} ${path}`);
    }
    assert.equal((await h.call('GET', `/Users/${userId}`)).body.title, undefined);
    assert.equal(
      (await h.call('GET', '/Users?filter=userName%20eq%20%22nope@example.com%22')).body.totalResults,
      0,
    );
  });

  it('group writes need "groups": POST, PUT, PATCH and DELETE', async () => {
    const noGroups = await h.as(['read', 'users']);
    for (const [method, path, body] of [
      ['POST', '/Groups', { schemas: [GROUP], displayName: 'Nope' }],
      [
        'PUT',
        `/Groups/${groupId}`,
        { schemas: [GROUP], displayName: 'Renamed', members: [{ value: userId }] },
      ],
      [
        'PATCH',
        `/Groups/${groupId}`,
        { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] },
      ],
      ['DELETE', `/Groups/${groupId}`, undefined],
    ] as const) {
      assertForbidden(await noGroups(method, path, body), 'groups', `${method} ${path}`);
    }
    const g = await h.call('GET', `/Groups/${groupId}`);
    assert.equal(g.body.displayName, 'Scoped');
    assert.deepEqual(g.body.members, []);
  });

  it('a client that may write but not read gets ids back, not the directory, from its writes', async () => {
    const writeOnly = await h.as(['users', 'groups']);
    const patched = await writeOnly('PATCH', `/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'emails', value: [] }],
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(Object.keys(patched.body).sort(), ['id', 'meta', 'schemas']);
    const created = await writeOnly('POST', '/Users', newUser('writeonly@example.com'));
    assert.equal(created.status, 201);
    assert.equal(created.body.userName, undefined);
    const group = await writeOnly('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
    });
    assert.equal(group.status, 200);
    assert.equal(group.body.members, undefined);
    // A client that may read gets the resource, as before.
    const full = await h.call('PATCH', `/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'emails', value: [] }],
    });
    assert.equal(full.body.userName, 'scoped@example.com');
  });

  it('discovery needs a valid token but no scope', async () => {
    const none = await h.as([]);
    for (const path of ['/ServiceProviderConfig', '/Schemas', '/ResourceTypes', '/ResourceTypes/User']) {
      assert.equal((await none('GET', path)).status, 200, path);
    }
    assertForbidden(await none('GET', '/Users'), 'read', 'GET /Users');
  });

  it('checks every /Bulk operation against the scopes on its own', async () => {
    const usersOnly = await h.as(['users']);
    const r = await usersOnly('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u', data: newUser('bulk-ok@example.com') },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'B' } },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'a',
          data: newUser('bulk-admin@example.com', { [ENGAGE]: { userType: 'global_admin' } }),
        },
        { method: 'DELETE', path: `/Groups/${groupId}` },
        {
          method: 'PATCH',
          path: '/Users/bulkId:u',
          data: {
            schemas: [PATCH],
            Operations: [{ op: 'replace', path: `${ENGAGE}:userType`, value: 'video_admin' }],
          },
        },
      ],
    });
    assert.equal(r.status, 200);
    const ops = r.body.Operations;
    assert.deepEqual(
      ops.map((o: { status: string }) => o.status),
      ['201', '403', '403', '403', '403'],
    );
    assert.match(ops[1].response.detail, /"groups" scope/);
    assert.match(ops[2].response.detail, /"admin_types" scope/);
    assert.match(ops[3].response.detail, /"groups" scope/);
    assert.match(ops[4].response.detail, /"admin_types" scope/);
    const created = ops[0].location.split('/').at(-1);
    assert.equal(await userType(created), 'regular');
    assert.equal((await h.call('GET', `/Groups/${groupId}`)).status, 200);
  });

  describe('admin types need "admin_types"', () => {
    let idp: Call;
    before(async () => {
      idp = await h.as(['read', 'users', 'groups']);
    });

    it('creating a user of any admin type is refused; people (regular, vendor, none given) are created', async () => {
      for (const t of ADMIN_TYPES) {
        const r = await idp('POST', '/Users', newUser(`new-${t}@example.com`, { [ENGAGE]: { userType: t } }));
        assertForbidden(r, 'admin_types', `POST ${t}`);
        assert.match(r.body.detail, new RegExp(t));
      }
      const none = await h.call('GET', `/Users?filter=${encodeURIComponent('userName sw "new-"')}`);
      assert.equal(none.body.totalResults, 0);
      for (const [name, ext] of [
        ['people-regular', { userType: 'regular' }],
        ['people-vendor', { userType: 'vendor' }],
        ['people-default', undefined],
      ] as const) {
        const r = await idp('POST', '/Users', newUser(`${name}@example.com`, ext ? { [ENGAGE]: ext } : {}));
        assert.equal(r.status, 201, name);
      }
    });

    it('promoting by PUT or by any form of PATCH is refused and changes nothing', async () => {
      const id = (await idp('POST', '/Users', newUser('promote@example.com'))).body.id;
      const attempts: [string, unknown][] = [
        ['PUT', newUser('promote@example.com', { title: 'T', [ENGAGE]: { userType: 'global_admin' } })],
        [
          'PATCH',
          {
            schemas: [PATCH],
            Operations: [{ op: 'replace', path: `${ENGAGE}:userType`, value: 'global_admin' }],
          },
        ],
        [
          'PATCH',
          {
            schemas: [PATCH],
            Operations: [{ op: 'Replace', value: { [`${ENGAGE}:userType`]: 'country_admin' } }],
          },
        ],
        [
          'PATCH',
          {
            schemas: [PATCH],
            Operations: [{ op: 'add', path: ENGAGE, value: { userType: 'location_admin' } }],
          },
        ],
        [
          'PATCH',
          {
            schemas: [PATCH],
            Operations: [{ op: 'replace', value: { [ENGAGE]: { userType: 'group_admin' } } }],
          },
        ],
      ];
      for (const [method, body] of attempts) {
        assertForbidden(
          await idp(method, `/Users/${id}`, body),
          'admin_types',
          `${method} ${JSON.stringify(body)}`,
        );
      }
      assert.equal(await userType(id), 'regular');
      assert.equal(
        (await h.call('GET', `/Users/${id}`)).body.title,
        undefined,
        'the refused PUT wrote nothing',
      );
    });

    it('an admin keeps its type through an identity provider’s writes; demoting or changing it is refused', async () => {
      const admin = await h.call(
        'POST',
        '/Users',
        newUser('admin@example.com', { [ENGAGE]: { userType: 'global_admin' } }),
      );
      assert.equal(admin.status, 201, 'a client with admin_types creates admins');
      const id = admin.body.id;
      // Okta's PUT carries no Engage extension: the type is kept.
      assert.equal(
        (await idp('PUT', `/Users/${id}`, newUser('admin@example.com', { title: 'Boss' }))).status,
        200,
      );
      // Resending the current type is no change.
      const same = await idp(
        'PUT',
        `/Users/${id}`,
        newUser('admin@example.com', { [ENGAGE]: { userType: 'global_admin' } }),
      );
      assert.equal(same.status, 200);
      const title = await idp('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'title', value: 'Chief' }],
      });
      assert.equal(title.status, 200);
      for (const t of ['regular', 'vendor', 'country_admin']) {
        const r = await idp('PATCH', `/Users/${id}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', path: `${ENGAGE}:userType`, value: t }],
        });
        assertForbidden(r, 'admin_types', `global_admin → ${t}`);
      }
      assert.equal(await userType(id), 'global_admin');
      // Offboarding an admin is the identity provider's job: deactivate, then delete.
      const off = await idp('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      assert.equal(off.status, 200);
      assert.equal((await idp('DELETE', `/Users/${id}`)).status, 204);
    });

    it("an admin's identity (userName, e-mail, externalId, SSO) and reactivation need admin_types: no account takeover", async () => {
      const id = (
        await h.call('POST', '/Users', newUser('ceo@example.com', { [ENGAGE]: { userType: 'global_admin' } }))
      ).body.id;
      const takeovers: [string, unknown][] = [
        ['PUT userName', ['PUT', newUser('attacker@example.net')]],
        ['PATCH userName', ['PATCH', [{ op: 'replace', path: 'userName', value: 'attacker@example.net' }]]],
        [
          'PATCH emails',
          [
            'PATCH',
            [{ op: 'replace', path: 'emails', value: [{ value: 'attacker@example.net', primary: true }] }],
          ],
        ],
        ['PATCH externalId', ['PATCH', [{ op: 'add', path: 'externalId', value: 'attacker-idp-id' }]]],
        ['PATCH sso', ['PATCH', [{ op: 'replace', path: `${ENGAGE}:sso`, value: true }]]],
      ];
      for (const [label, [method, body]] of takeovers as [string, ['PUT' | 'PATCH', unknown]][]) {
        const r =
          method === 'PUT'
            ? await idp('PUT', `/Users/${id}`, body)
            : await idp('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: body });
        assertForbidden(r, 'admin_types', label);
      }
      const row = await h.db.db
        .selectFrom('engage.users')
        .select(['username', 'email', 'external_id', 'sso'])
        .where('id', '=', Number(id))
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        username: 'ceo@example.com',
        email: 'ceo@example.com',
        external_id: null,
        sso: false,
      });
      // Deactivating stays the identity provider's; bringing the admin back does not.
      const off = await idp('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      assert.equal(off.status, 200);
      const on = await idp('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'active', value: true }],
      });
      assertForbidden(on, 'admin_types', 'reactivating an admin');
    });

    it('moving between people types (regular, vendor) needs no admin scope', async () => {
      const id = (
        await idp('POST', '/Users', newUser('mover@example.com', { [ENGAGE]: { userType: 'vendor' } }))
      ).body.id;
      const r = await idp('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: `${ENGAGE}:userType`, value: 'regular' }],
      });
      assert.equal(r.status, 200);
      assert.equal(r.body[ENGAGE].userType, 'regular');
    });

    it('a client with admin_types changes admin types', async () => {
      const id = (await idp('POST', '/Users', newUser('granted@example.com'))).body.id;
      const r = await h.call('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: `${ENGAGE}:userType`, value: 'country_admin' }],
      });
      assert.equal(r.status, 200);
      assert.equal(await userType(id), 'country_admin');
      const put = await h.call('PUT', `/Users/${id}`, {
        schemas: [USER],
        userName: 'granted@example.com',
        [ENGAGE]: { userType: 'regular' },
      });
      assert.equal(put.status, 200);
      assert.equal(await userType(id), 'regular');
    });
  });
});
