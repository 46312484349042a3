import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALL_SCOPES, ENGAGE, ENTERPRISE, newUser, type ScimHarness, scimHarness } from './support';

describe('Engage SCIM filters, sorting and paging', () => {
  let h: ScimHarness;
  const ids: Record<string, string> = {};
  const names = (r: { body: { Resources: { userName: string }[] } }) =>
    r.body.Resources.map((u) => u.userName).sort();
  const q = (filter: string, extra = '') =>
    h.call('GET', `/Users?filter=${encodeURIComponent(filter)}${extra}`);

  before(async () => {
    h = await scimHarness('filters', { scopes: ALL_SCOPES });
    const people = [
      {
        userName: 'alice@example.com',
        title: 'Engineer',
        dept: 'R&D',
        active: true,
        type: 'regular',
        ext: 'a-1',
      },
      {
        userName: 'bob@example.com',
        title: 'Manager',
        dept: 'Sales',
        active: false,
        type: 'vendor',
        ext: 'b-2',
      },
      {
        userName: 'carol@corp.test',
        title: 'Engineer 100%_',
        dept: 'R&D',
        active: true,
        type: 'regular',
        ext: null,
      },
      { userName: 'dave@corp.test', title: null, dept: null, active: true, type: 'global_admin', ext: 'd-4' },
    ];
    for (const p of people) {
      const r = await h.call(
        'POST',
        '/Users',
        newUser(p.userName, {
          title: p.title ?? undefined,
          active: p.active,
          externalId: p.ext ?? undefined,
          [ENTERPRISE]: p.dept ? { department: p.dept } : undefined,
          [ENGAGE]: { userType: p.type },
        }),
      );
      assert.equal(r.status, 201);
      ids[p.userName] = r.body.id;
    }
  });
  after(() => h.close());

  it('eq is case-insensitive for userName and emails, exact for externalId', async () => {
    assert.deepEqual(names(await q('userName eq "ALICE@example.com"')), ['alice@example.com']);
    assert.deepEqual(names(await q('emails.value eq "Bob@Example.com"')), ['bob@example.com']);
    assert.deepEqual(names(await q('emails[type eq "work"].value eq "CAROL@corp.test"')), [
      'carol@corp.test',
    ]);
    assert.deepEqual(names(await q('emails[type eq "work" and value co "corp"]')), [
      'carol@corp.test',
      'dave@corp.test',
    ]);
    assert.deepEqual(names(await q('externalId eq "a-1"')), ['alice@example.com']);
    assert.deepEqual(names(await q('externalId eq "A-1"')), []);
  });

  it('supports every comparison operator', async () => {
    assert.deepEqual(names(await q('userName ne "alice@example.com"')).length, 3);
    assert.deepEqual(names(await q('userName co "CORP"')), ['carol@corp.test', 'dave@corp.test']);
    assert.deepEqual(names(await q('userName sw "b"')), ['bob@example.com']);
    assert.deepEqual(names(await q('userName ew ".TEST"')), ['carol@corp.test', 'dave@corp.test']);
    assert.deepEqual(names(await q('title pr')), ['alice@example.com', 'bob@example.com', 'carol@corp.test']);
    assert.deepEqual(names(await q('userName gt "c"')), ['carol@corp.test', 'dave@corp.test']);
    assert.deepEqual(names(await q('userName ge "carol@corp.test"')), ['carol@corp.test', 'dave@corp.test']);
    assert.deepEqual(names(await q('userName lt "bob@example.com"')), ['alice@example.com']);
    assert.deepEqual(names(await q('userName le "bob@example.com"')), [
      'alice@example.com',
      'bob@example.com',
    ]);
    assert.deepEqual(names(await q('meta.created gt "2000-01-01T00:00:00Z"')).length, 4);
    assert.deepEqual(names(await q('meta.lastModified lt "2000-01-01T00:00:00Z"')), []);
    assert.deepEqual(names(await q(`id eq "${ids['bob@example.com']}"`)), ['bob@example.com']);
  });

  it('treats LIKE wildcards in values literally', async () => {
    assert.deepEqual(names(await q('title co "100%_"')), ['carol@corp.test']);
    assert.deepEqual(names(await q('title co "%"')), ['carol@corp.test']);
    assert.deepEqual(names(await q('userName sw "_"')), []);
  });

  it('combines with and, or, not, grouping and precedence', async () => {
    assert.deepEqual(names(await q('title eq "Engineer" or userName sw "b" and active eq false')), [
      'alice@example.com',
      'bob@example.com',
    ]);
    assert.deepEqual(names(await q('(title eq "Engineer" or userName sw "b") and active eq true')), [
      'alice@example.com',
    ]);
    assert.deepEqual(names(await q('not (title pr)')), ['dave@corp.test']);
    assert.deepEqual(names(await q('not (department eq "R&D")')), ['bob@example.com', 'dave@corp.test']);
    assert.deepEqual(names(await q(`${ENTERPRISE}:department eq "r&d" AND NOT (userName sw "c")`)), [
      'alice@example.com',
    ]);
    assert.deepEqual(names(await q(`${ENGAGE}:userType eq "vendor"`)), ['bob@example.com']);
    assert.deepEqual(names(await q('active eq "False"')), ['bob@example.com']);
  });

  it('accepts Entra unquoted values and answers unknown GUIDs with an empty list', async () => {
    assert.deepEqual(names(await q('externalId eq a-1')), ['alice@example.com']);
    const r = await q('userName eq "6d1c2a5e-3b1f-4a8e-9c55-8f0c4a7d2b11"');
    assert.equal(r.status, 200);
    assert.equal(r.body.totalResults, 0);
    assert.deepEqual(r.body.Resources, []);
  });

  it('refuses bad filters with 400 invalidFilter', async () => {
    for (const f of [
      'userName eq',
      'userName zz "x"',
      '(userName eq "x"',
      'nosuch eq "x"',
      'active gt true',
      'userName eq "x" junk',
      '"x" eq userName',
    ]) {
      const r = await q(f);
      assert.equal(r.status, 400, f);
      assert.equal(r.body.scimType, 'invalidFilter', f);
    }
  });

  it('never lets injection reach SQL', async () => {
    const attempts = [
      'userName eq "x\\" or 1=1 --"',
      "userName eq \"x' OR '1'='1\"",
      'userName eq "x"; DROP TABLE engage.users; --',
      'userName;DROP TABLE engage.users eq "x"',
      'username) or (1=1 eq "x"',
      'emails[value eq "x"] or 1 eq 1',
    ];
    for (const f of attempts) {
      const r = await q(f);
      assert.ok(r.status === 400 || (r.status === 200 && r.body.totalResults === 0), `${f} → ${r.status}`);
      if (r.status === 400) assert.doesNotMatch(JSON.stringify(r.body), /syntax error|relation|SELECT/i);
    }
    const sort = await h.call(
      'GET',
      `/Users?sortBy=${encodeURIComponent('userName; DROP TABLE engage.users')}`,
    );
    assert.equal(sort.status, 400);
    const sort2 = await h.call('GET', `/Users?sortBy=${encodeURIComponent('(select 1)')}`);
    assert.equal(sort2.status, 400);
    const attr = await h.call(
      'GET',
      `/Users?attributes=${encodeURIComponent('userName,(select password from pg_shadow)')}`,
    );
    assert.equal(attr.status, 200);
    assert.equal((await h.call('GET', '/Users')).body.totalResults, 4);
  });

  it('sorts ascending and descending, with a stable id tie-break', async () => {
    const asc = await h.call('GET', '/Users?sortBy=userName&sortOrder=ascending');
    assert.deepEqual(
      asc.body.Resources.map((u: { userName: string }) => u.userName),
      ['alice@example.com', 'bob@example.com', 'carol@corp.test', 'dave@corp.test'],
    );
    const desc = await h.call('GET', '/Users?sortBy=emails&sortOrder=descending');
    assert.equal(desc.body.Resources[0].userName, 'dave@corp.test');
    const title = await h.call('GET', `/Users?sortBy=title&sortOrder=descending&attributes=title`);
    assert.equal(title.body.Resources[0].title, 'Manager');
    assert.equal(title.body.Resources[3].title, undefined);
    assert.equal((await h.call('GET', '/Users?sortOrder=sideways')).status, 400);
  });

  it('pages in the database with correct totals', async () => {
    const p1 = await h.call('GET', '/Users?sortBy=userName&startIndex=1&count=2');
    assert.equal(p1.body.totalResults, 4);
    assert.equal(p1.body.itemsPerPage, 2);
    assert.equal(p1.body.startIndex, 1);
    const p2 = await h.call('GET', '/Users?sortBy=userName&startIndex=3&count=2');
    assert.deepEqual(
      [...p1.body.Resources, ...p2.body.Resources].map((u: { userName: string }) => u.userName),
      ['alice@example.com', 'bob@example.com', 'carol@corp.test', 'dave@corp.test'],
    );
    const zero = await h.call('GET', '/Users?count=0');
    assert.equal(zero.body.totalResults, 4);
    assert.deepEqual(zero.body.Resources, []);
    const clamp = await h.call('GET', '/Users?startIndex=-5&count=-1');
    assert.equal(clamp.body.startIndex, 1);
    assert.equal(clamp.body.itemsPerPage, 0);
    const past = await h.call('GET', '/Users?startIndex=10');
    assert.equal(past.body.totalResults, 4);
    assert.deepEqual(past.body.Resources, []);
    assert.equal((await h.call('GET', '/Users?count=abc')).status, 400);
  });

  it('lists through POST /.search too', async () => {
    const r = await h.call('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "a"',
      attributes: ['userName'],
      count: 10,
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.Resources, [
      { schemas: r.body.Resources[0].schemas, id: ids['alice@example.com'], userName: 'alice@example.com' },
    ]);
  });
});
