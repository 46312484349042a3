// The log page's HTTP endpoints against a seeded PostgreSQL: what each search returns, the 4xx (with a
// reason) for every kind of bad input, the token, the security headers, and that it cannot write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../config/secret';
import type { SyncDatabase } from '../../db/sync-schema';
import type { TestDatabase } from '../../dev/harness/db';
import { openReadOnlyDb } from '../../web/read-only-db';
import { type LogPage, startLogPage } from '../../web/server';
import { request } from './http';
import { FORMULA_NAME, RUNS, seededDatabase, TENANT } from './seed';

const TOKEN = 'a-token-of-32-characters-or-so-x';
let database: TestDatabase<SyncDatabase>;
let db: ReturnType<typeof openReadOnlyDb>;
let open: LogPage;
let guarded: LogPage;

before(async () => {
  database = await seededDatabase('server');
  db = openReadOnlyDb(database.url, 2);
  open = await startLogPage({ db, host: '127.0.0.1', port: 0, log: () => {} });
  guarded = await startLogPage({ db, host: '127.0.0.1', port: 0, token: new Secret(TOKEN), log: () => {} });
});
after(async () => {
  await open?.close();
  await guarded?.close();
  await db?.destroy();
  await database?.drop();
});

const get = (path: string, headers: Record<string, string> = {}) => request(open.url, path, { headers });
const search = async (query: string) => {
  const r = await get(`/api/log?${query}`);
  assert.equal(r.status, 200, r.body);
  return r.json() as {
    entries: { id: string; userName: string; run: string; outcome: string }[];
    next: string | null;
  };
};
const names = (entries: { userName: string | null }[]) => entries.map((e) => e.userName);

describe('log page: JSON endpoints', () => {
  it('lists the configured company and every tenant', async () => {
    const r = await get('/api/companies');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json().companies.map((c: { id: string; name: string }) => [c.id, c.name]),
      [
        ['', 'Configured company'],
        [TENANT.id, TENANT.name],
      ],
    );
  });

  it('shows runs with their outcomes, what waits for a decision and who is quarantined', async () => {
    const o = (await get('/api/overview')).json();
    assert.deepEqual(
      o.runs.map((r: { id: string; status: string }) => [r.id, r.status]),
      [
        [RUNS.review, 'awaiting-approval'],
        [RUNS.stopped, 'stopped'],
        [RUNS.failed, 'failed'],
        [RUNS.completed, 'completed'],
        [RUNS.initial, 'completed'],
      ],
    );
    assert.equal(o.runs[2].reason, 'Visitor refused the token (401)');
    assert.deepEqual(
      o.decisions.map((d: { type: string; id: string }) => d.type),
      ['plan-review', 'deletions'],
    );
    assert.equal(o.quarantined.count, 1);
    assert.deepEqual(
      o.quarantined.users.map((u: { engageUserId: number; userName: string }) => [
        u.engageUserId,
        u.userName,
      ]),
      [[5, 'quinn@example.com']],
    );
    assert.equal((await get('/api/overview?runs=2')).json().runs.length, 2);
  });

  it('searches by user (e-mail in any case, or Engage id), run, action, status and date', async () => {
    assert.deepEqual(names((await search('user=BOB@example.com')).entries), [
      'bob@example.com',
      'Bob@Example.com',
    ]);
    assert.equal((await search('user=2')).entries.length, 2);
    assert.deepEqual(names((await search(`run=${RUNS.stopped}`)).entries), [FORMULA_NAME, 'bob@example.com']);
    assert.deepEqual(names((await search('action=delete')).entries), [FORMULA_NAME]);
    assert.deepEqual(
      (await search('status=failed')).entries.map((e) => e.run),
      [RUNS.stopped, RUNS.failed],
    );
    // A day is the whole UTC day, `to` included.
    assert.deepEqual(
      (await search('from=2026-11-02&to=2026-11-02')).entries.map((e) => e.run),
      [RUNS.failed],
    );
    assert.equal((await search('from=2026-11-01T02:01:15Z&to=2026-11-01T02:01:30Z')).entries.length, 1);
    assert.equal((await search('user=bob@example.com&status=updated&action=update')).entries.length, 1);
    assert.equal((await search('user=nobody@example.com')).entries.length, 0);
  });

  it('pages by keyset: the next page starts below the last entry shown', async () => {
    const all = (await search('limit=500')).entries.map((e) => e.id);
    assert.equal(all.length, 6);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page = await search(`limit=4${next ? `&before=${next}` : ''}`);
      seen.push(...page.entries.map((e) => e.id));
      next = page.next;
    } while (next);
    assert.deepEqual(seen, all);
  });

  it("reads a tenant's own state when the company is a tenant", async () => {
    assert.deepEqual(names((await search(`company=${TENANT.id}`)).entries), [TENANT.user]);
    const o = (await get(`/api/overview?company=${TENANT.id}`)).json();
    assert.deepEqual(
      o.runs.map((r: { id: string }) => r.id),
      [TENANT.run],
    );
    assert.equal((await search(`company=${TENANT.id}&user=bob@example.com`)).entries.length, 0);
  });

  it('shows an entry with its steps and old → new values', async () => {
    const [bob] = (await get('/api/log?user=2&status=updated')).json().entries;
    assert.deepEqual(bob.changes, [{ attribute: 'title', from: 'Engineer', to: 'Engineering manager' }]);
    assert.deepEqual(bob.steps, ['PATCH /Users/v-2 → 200']);
    const [odd] = (await get('/api/log?action=delete')).json().entries;
    assert.deepEqual(odd.changes, []);
    assert.deepEqual(odd.steps, ['one step']);
    assert.deepEqual(odd.other, [{ key: 'extra', value: '{"nested":[1,2]}' }]);
  });
});

describe('log page: bad input is a 4xx with a reason', () => {
  const cases: [string, number, RegExp][] = [
    ['/api/log?from=yesterday', 400, /^from: expected a day like 2026-01-31/],
    ['/api/log?to=2026-02-30', 400, /^to: "2026-02-30" is not a calendar day/],
    ['/api/log?from=2026-01-31T10:00:00', 400, /^from: expected .* ISO time/],
    ['/api/log?from=2026-11-03&to=2026-11-01', 400, /^from: must be before to/],
    ['/api/log?limit=0', 400, /^limit: expected a whole number from 1 to 500/],
    ['/api/log?limit=501', 400, /^limit:/],
    ['/api/log?limit=ten', 400, /^limit:/],
    ['/api/log?before=abc', 400, /^before: expected an entry id/],
    ['/api/log?user=99999999999', 400, /^user: an Engage id is at most/],
    ['/api/log?user=a%00b', 400, /^user: .*control characters/],
    ['/api/log?status=not%20one', 400, /^status:/],
    ['/api/log?run=a%20b', 400, /^run: expected a run id/],
    ['/api/log?sort=at', 400, /^unknown parameter "sort"/],
    ['/api/log?user=a&user=b', 400, /^parameter "user" given twice/],
    ['/api/log?company=nobody', 404, /^company: no tenant "nobody" in the registry/],
    ['/api/overview?company=Not%20An%20Id', 400, /^company: tenant id must be/],
    ['/api/overview?runs=-1', 400, /^runs:/],
    ['/export/log.csv?from=soon', 400, /^from:/],
    ['/export/log.json?company=nobody', 404, /^company: no tenant/],
    ['/api/companies?x=1', 400, /^unknown parameter "x"/],
    ['/nothing-here', 404, /^not found: \/nothing-here/],
  ];
  for (const [path, status, reason] of cases)
    it(`${path} → ${status}`, async () => {
      const r = await get(path);
      assert.equal(r.status, status, r.body);
      assert.match(r.json().error, reason);
    });

  it('a method the path does not take is a 405', async () => {
    const r = await request(open.url, '/api/log', { method: 'DELETE' });
    assert.equal(r.status, 405);
    assert.match(r.json().error, /GET only/);
  });
});

describe('log page: headers and exports', () => {
  it('sends security headers and forbids caching, on the page and its data', async () => {
    for (const path of ['/', '/api/log', '/nothing-here']) {
      const r = await get(path);
      assert.match(String(r.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.headers['x-frame-options'], 'DENY');
    }
    // No inline script anywhere in the page (the CSP would block it).
    assert.doesNotMatch((await get('/')).body, /<script>|<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('exports the search as CSV, formulas neutralised, with a file name', async () => {
    const r = await get(`/export/log.csv?run=${RUNS.stopped}`);
    assert.equal(r.status, 200);
    assert.match(
      String(r.headers['content-disposition']),
      /^attachment; filename="provisioning-log-configured-\d{8}T\d{6}Z\.csv"$/,
    );
    const lines = r.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    assert.equal(lines.length, 3, r.body);
    assert.match(lines[0]!, /^id,at,run,object,engage_id,/);
    assert.ok(lines[1]!.includes(`"'${FORMULA_NAME.replaceAll('"', '""')}"`), lines[1]);
  });

  it('exports the search as JSON: the stored entries, all of them', async () => {
    const r = await get(`/export/log.json?company=${TENANT.id}`);
    assert.match(
      String(r.headers['content-disposition']),
      /filename="provisioning-log-acme-\d{8}T\d{6}Z\.json"/,
    );
    const rows = JSON.parse(r.body);
    assert.deepEqual(
      rows.map((e: { userName: string; run: string }) => [e.userName, e.run]),
      [[TENANT.user, TENANT.run]],
    );
    assert.deepEqual(JSON.parse((await get('/export/log.json?user=none@example.com')).body), []);
  });

  it('without a token, answers only to a loopback Host (no DNS rebinding)', async () => {
    const r = await get('/api/companies', { Host: 'evil.example:8795' });
    assert.equal(r.status, 421);
    assert.match(r.json().error, /127\.0\.0\.1 or localhost only/);
    assert.equal((await get('/api/companies', { Host: `localhost:${open.port}` })).status, 200);
  });

  it('opens the database read-only: a write is refused by PostgreSQL', async () => {
    await assert.rejects(
      db
        .insertInto('sync.runs')
        .values({ id: 'x', kind: 'daily', status: 'running', workflow_id: 'x', counts: '{}' })
        .execute(),
      /read-only transaction/,
    );
  });
});

describe('log page: the token', () => {
  const at = (path: string, o: Parameters<typeof request>[2] = {}) => request(guarded.url, path, o);

  it('refuses a request without it, or with a wrong one (401, with a reason)', async () => {
    const none = await at('/api/log');
    assert.equal(none.status, 401);
    assert.match(none.json().error, /a token is required/);
    assert.equal((await at('/api/log', { headers: { Authorization: `Bearer ${TOKEN}x` } })).status, 401);
    assert.equal(
      (await at('/export/log.csv', { headers: { Cookie: 'evs_log_session=forged' } })).status,
      401,
    );
    const page = await at('/');
    assert.equal(page.status, 401);
    assert.match(page.body, /<form method="post" action="\/login">/);
  });

  it('accepts it as a Bearer token', async () => {
    const r = await at('/api/companies', { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
  });

  it('logs a browser in with an HttpOnly, SameSite=Strict cookie that then opens the data', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const wrong = await at('/login', {
      method: 'POST',
      headers: form,
      body: 'token=wrong-token-wrong-token',
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /That token is not right/);
    assert.equal(wrong.headers['set-cookie'], undefined);
    const ok = await at('/login', {
      method: 'POST',
      headers: form,
      body: `token=${encodeURIComponent(TOKEN)}`,
    });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/');
    const cookie = ok.headers['set-cookie']![0]!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(TOKEN), 'the cookie does not carry the token itself');
    const r = await at('/api/companies', { headers: { Cookie: cookie.split(';')[0]! } });
    assert.equal(r.status, 200);
  });

  it('refuses a login form of the wrong type or size', async () => {
    const json = await at('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 415);
    const big = await at('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(10_000)}`,
    });
    assert.equal(big.status, 413);
  });

  it('will not listen beyond loopback without a token', async () => {
    await assert.rejects(startLogPage({ db, host: '0.0.0.0', port: 0 }), /needs a token/);
  });
});
