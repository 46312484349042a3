// Input that used to reach PostgreSQL or a recursive walk and come back as a 500: each is a 400
// with a SCIM error now, and the server keeps answering.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  BULK,
  ENGAGE,
  ENTERPRISE,
  GROUP,
  newUser,
  PATCH,
  type Reply,
  type ScimHarness,
  SEARCH,
  scimHarness,
  USER,
} from './support';

const NUL = '\u0000';

function assert400(r: Reply, scimType: string, label: string) {
  assert.equal(r.status, 400, `${label}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.deepEqual(r.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], label);
  assert.equal(r.body.status, '400', label);
  assert.equal(r.body.scimType, scimType, label);
}

/** JSON text of `depth` nested arrays around a string: built as text, JSON.stringify would recurse. */
const nestedJson = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;

describe('Engage SCIM API: hostile input is a 400, never a 500', () => {
  let h: ScimHarness;
  let userId: string;
  let groupId: string;
  before(async () => {
    h = await scimHarness('hostile', { maxBodyBytes: 8 * 1024 * 1024 });
    userId = (await h.call('POST', '/Users', newUser('target@example.com', { externalId: 'ext-t' }))).body.id;
    groupId = (await h.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Target' })).body.id;
  });
  after(() => h.close());

  it('refuses a NUL character in every string attribute of a user, on POST, PUT and PATCH', async () => {
    const bodies: [string, Record<string, unknown>][] = [
      ['userName', { userName: `nul${NUL}@example.com` }],
      ['name.givenName', { name: { givenName: `A${NUL}`, familyName: 'B' } }],
      ['name.familyName', { name: { givenName: 'A', familyName: `B${NUL}` } }],
      ['displayName', { displayName: `D${NUL}` }],
      ['title', { title: `T${NUL}` }],
      ['preferredLanguage', { preferredLanguage: `en${NUL}` }],
      ['externalId', { externalId: `x${NUL}` }],
      ['emails', { emails: [{ value: `e${NUL}@example.com`, type: 'work', primary: true }] }],
      ['phoneNumbers', { phoneNumbers: [{ value: `+1${NUL}`, type: 'mobile' }] }],
      ['enterprise', { [ENTERPRISE]: { department: `d${NUL}`, costCenter: 'c', employeeNumber: '1' } }],
      ['customAttributes.value', { [ENGAGE]: { customAttributes: [{ name: 'badge', value: `b${NUL}` }] } }],
      ['customAttributes.name', { [ENGAGE]: { customAttributes: [{ name: `b${NUL}`, value: 'v' }] } }],
      ['an ignored attribute', { password: `p${NUL}` }],
      ['an attribute name', { [`title${NUL}`]: 'T' }],
    ];
    for (const [label, extra] of bodies) {
      const body = { ...newUser('nul@example.com'), ...extra };
      assert400(await h.call('POST', '/Users', body), 'invalidValue', `POST ${label}`);
      const put = { ...newUser('target@example.com', { externalId: 'ext-t' }), ...extra };
      assert400(await h.call('PUT', `/Users/${userId}`, put), 'invalidValue', `PUT ${label}`);
    }
    for (const [path, value] of [
      ['userName', `u${NUL}`],
      ['name.givenName', `g${NUL}`],
      ['title', `t${NUL}`],
      ['displayName', `d${NUL}`],
      [`${ENGAGE}:customAttributes`, [{ name: 'n', value: `v${NUL}` }]],
      [`title${NUL}`, 'x'],
    ] as const) {
      const r = await h.call('PATCH', `/Users/${userId}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path, value }],
      });
      assert400(r, 'invalidValue', `PATCH ${path}`);
    }
    const nul = await h.call('GET', `/Users?filter=${encodeURIComponent('userName sw "nul"')}`);
    assert.equal(nul.body.totalResults, 0);
    assert.equal((await h.call('GET', `/Users/${userId}`)).body.userName, 'target@example.com');
  });

  it('refuses a NUL character in groups, filters, searches and bulk operations', async () => {
    for (const body of [
      { schemas: [GROUP], displayName: `G${NUL}` },
      { schemas: [GROUP], displayName: 'G', externalId: `e${NUL}` },
      { schemas: [GROUP], displayName: 'G', members: [{ value: `1${NUL}` }] },
    ]) {
      assert400(await h.call('POST', '/Groups', body), 'invalidValue', JSON.stringify(body));
      assert400(await h.call('PUT', `/Groups/${groupId}`, body), 'invalidValue', JSON.stringify(body));
    }
    for (const filter of [`userName eq "a${NUL}"`, `externalId eq a${NUL}`, `emails[value co "${NUL}"]`]) {
      assert400(await h.call('GET', `/Users?filter=${encodeURIComponent(filter)}`), 'invalidFilter', filter);
      assert400(await h.call('GET', `/Groups?filter=${encodeURIComponent(filter)}`), 'invalidFilter', filter);
    }
    const search = await h.call('POST', '/Users/.search', {
      schemas: [SEARCH],
      filter: `userName eq "${NUL}"`,
    });
    assert.equal(search.status, 400);
    const bulk = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'n', data: newUser(`b${NUL}@example.com`) }],
    });
    assert400(bulk, 'invalidValue', 'bulk');
  });

  it('refuses a NUL character in the token request', async () => {
    const r = await fetch(`${h.server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        scimClientId: `scim_${NUL}`,
        scimClientSecret: 's',
        grantType: 'password',
      }),
    });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'invalid_request');
  });

  it('refuses a malformed %-escape in a resource id, on every method and in bulk', async () => {
    for (const id of ['%zz', '%E0%A4%A', '%', '%C3', '%ED%A0%80']) {
      for (const collection of ['Users', 'Groups']) {
        for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
          const body = method === 'PUT' || method === 'PATCH' ? { schemas: [USER] } : undefined;
          const r = await h.call(method, `/${collection}/${id}`, body);
          assert400(r, 'invalidValue', `${method} /${collection}/${id}`);
          assert.match(r.body.detail, /%-escape/);
        }
      }
      assert400(await h.call('GET', `/${id}`), 'invalidValue', `GET /${id}`);
    }
    const bulk = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'DELETE', path: '/Users/%zz' },
        { method: 'PATCH', path: '/Groups/%E0%A4%A', data: { schemas: [PATCH], Operations: [] } },
      ],
    });
    assert.equal(bulk.status, 200);
    assert.deepEqual(
      bulk.body.Operations.map((o: { status: string }) => o.status),
      ['400', '400'],
    );
  });

  it('refuses dates PostgreSQL cannot hold, and ids beyond the integer range compare', async () => {
    for (const date of [
      '-4714-01-01T00:00:00Z',
      '-004714-11-23T00:00:00Z',
      '-271821-04-20T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '0000-06-01T00:00:00Z',
      '10000-01-01T00:00:00Z',
      '9999-12-31T23:59:59-02:00',
      '2024-13-45T00:00:00Z',
      'yesterday',
    ]) {
      for (const filter of [`meta.created gt "${date}"`, `meta.lastModified le "${date}"`]) {
        assert400(
          await h.call('GET', `/Users?filter=${encodeURIComponent(filter)}`),
          'invalidFilter',
          filter,
        );
        assert400(
          await h.call('GET', `/Groups?filter=${encodeURIComponent(filter)}`),
          'invalidFilter',
          filter,
        );
      }
    }
    for (const [filter, n] of [
      ['meta.created gt "0001-01-01T00:00:00Z"', 1],
      ['meta.created lt "9999-12-31T23:59:59Z"', 1],
      ['meta.created ge "2000-01-01"', 1],
      ['meta.lastModified gt "2000-01-01T00:00:00.123456+05:30"', 1],
      ['id gt 9999999999', 0],
      ['id lt 9999999999', 1],
    ] as const) {
      const r = await h.call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(r.status, 200, `${filter}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.totalResults >= n, true, filter);
      if (n === 0) assert.equal(r.body.totalResults, 0, filter);
    }
  });

  it('takes a group of more members than PostgreSQL has bind parameters', async () => {
    // 40,000 users: their insert and their outbox rows need more than 65,535 parameters one by one.
    await sql`
      INSERT INTO engage.users (username, email)
      SELECT 'm' || g || '@big.example', 'm' || g || '@big.example' FROM generate_series(1, 40000) AS g`.execute(
      h.db.db,
    );
    const ids = (
      await h.db.db
        .selectFrom('engage.users')
        .select('id')
        .where('username', 'like', '%@big.example')
        .execute()
    ).map((r) => r.id);
    assert.equal(ids.length, 40_000);
    // Plus 30,000 ids of nobody: 70,000 member ids in all.
    const top = Math.max(...ids);
    const members = [...ids, ...Array.from({ length: 30_000 }, (_, i) => top + 1 + i)].map((v) => ({
      value: v,
    }));
    const c = await h.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Everyone', members });
    assert.equal(c.status, 201, JSON.stringify(c.body).slice(0, 300));
    assert.equal(c.body.members.length, 40_000);
    const id = c.body.id;
    const outbox = await h.db.db
      .selectFrom('engage.change_outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'group_membership')
      .executeTakeFirstOrThrow();
    assert.ok(Number(outbox.n) >= 40_000);

    const put = await h.call('PUT', `/Groups/${id}`, {
      schemas: [GROUP],
      displayName: 'Everyone',
      members: members.slice(0, 10),
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.members.length, 10);
    const patch = await h.call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: members }],
    });
    assert.equal(patch.status, 200);
    assert.equal(patch.body.members.length, 40_000);
    const filtered = await h.call(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members[value eq "${ids[7]}"]`)}`,
    );
    assert.equal(filtered.body.totalResults, 1);
    assert.equal((await h.call('DELETE', `/Groups/${id}`)).status, 204);
    assert.equal(
      await h.db.db
        .selectFrom('engage.group_members')
        .select('user_id')
        .executeTakeFirst()
        .then((r) => r === undefined),
      true,
    );
  });

  it('refuses bodies nested deeper than a SCIM body ever is', async () => {
    const bulk = `{"schemas":["${BULK}"],"Operations":[{"method":"POST","path":"/Users","bulkId":"d","data":${nestedJson(100_000)}}]}`;
    assert400(await h.call('POST', '/Bulk', bulk), 'invalidSyntax', 'bulk 100,000 deep');
    const user = `{"schemas":["${USER}"],"userName":"deep@example.com","title":${nestedJson(100_000)}}`;
    assert400(await h.call('POST', '/Users', user), 'invalidSyntax', 'user 100,000 deep');
    const patch = `{"schemas":["${PATCH}"],"Operations":[{"op":"add","path":"title","value":${nestedJson(70)}}]}`;
    assert400(await h.call('PATCH', `/Users/${userId}`, patch), 'invalidSyntax', 'patch 70 deep');
    // A token request's JSON body names no nested field: the deep value is no field at all.
    const token = await fetch(`${h.server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"scimClientId":${nestedJson(100_000)},"scimClientSecret":"s","grantType":"password"}`,
    });
    assert.equal(token.status, 400);
    // Ordinary nesting still works, and the server still answers.
    assert.equal((await h.call('GET', `/Users/${userId}`)).status, 200);
  });
});
