import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { callerKey, trustedProxies } from '../../engage-scim/auth/caller';
import { TokenBuckets } from '../../engage-scim/auth/rate-limit';
import {
  createClient,
  issueToken,
  listTokens,
  revokeClient,
  revokeToken,
} from '../../engage-scim/auth/tokens';
import { startEngageScimServer } from '../../engage-scim/server';
import { type ScimHarness, scimHarness } from './support';

/** POSTs a token form from a chosen loopback address (the caller a rate limit sees). */
function tokenFrom(
  url: string,
  localAddress: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end(new URLSearchParams(fields).toString());
  });
}

describe('Engage SCIM token provider and authentication', () => {
  let h: ScimHarness;
  before(async () => {
    h = await scimHarness('tokens');
  });
  after(() => h.close());

  const tokenUrl = () => `${h.server.baseUrl}/token`;
  const requestToken = (fields: Record<string, string>) =>
    fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const get = (token: string) =>
    fetch(`${h.server.baseUrl}/Users`, { headers: { Authorization: `Bearer ${token}` } });

  it('issues a long-lived token for form-encoded client credentials', async () => {
    const c = await createClient(h.db.db, 'okta');
    const r = await requestToken({
      scimClientId: c.clientId,
      scimClientSecret: c.clientSecret,
      grantType: 'password',
      tokenExpiry: '315360000',
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { accessToken: string; tokenType: string; expiresIn: number };
    assert.equal(body.tokenType, 'bearer');
    assert.equal(body.expiresIn, 315_360_000);
    assert.equal((await get(body.accessToken)).status, 200);
    // Stored only as a hash.
    const rows = await h.db.db.selectFrom('engage.scim_tokens').selectAll().execute();
    assert.ok(rows.every((t) => !t.token_hash.toString('utf8').includes(body.accessToken)));
    const clients = await h.db.db.selectFrom('engage.scim_clients').selectAll().execute();
    assert.ok(
      clients.every((x) => x.secret_hash.startsWith('scrypt$') && !x.secret_hash.includes(c.clientSecret)),
    );
  });

  it('refuses bad requests: expiry out of range, wrong grant, wrong secret', async () => {
    const c = await createClient(h.db.db, 'entra');
    const base = { scimClientId: c.clientId, scimClientSecret: c.clientSecret, grantType: 'password' };
    for (const tokenExpiry of ['59', '315360001', 'abc', '-5']) {
      assert.equal((await requestToken({ ...base, tokenExpiry })).status, 400, tokenExpiry);
    }
    assert.equal((await requestToken({ ...base, grantType: 'client_credentials' })).status, 400);
    assert.equal((await requestToken({ ...base, scimClientSecret: 'wrong' })).status, 401);
    assert.equal((await requestToken({ ...base, scimClientId: 'scim_nobody' })).status, 401);
    assert.equal((await requestToken({ ...base, tokenExpiry: '60' })).status, 200);
  });

  it('refuses missing, malformed, unknown, expired and revoked tokens with a SCIM 401', async () => {
    const c = await createClient(h.db.db, 'expiry');
    const missing = await fetch(`${h.server.baseUrl}/Users`);
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as { schemas: string[]; status: string };
    assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(body.status, '401');
    assert.equal((await get('garbage')).status, 401);
    assert.equal((await get(`${h.token}x`)).status, 401);
    assert.equal((await get(h.token.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')))).status, 401);
    assert.equal(
      (await fetch(`${h.server.baseUrl}/Groups`, { headers: { Authorization: `Basic ${h.token}` } })).status,
      401,
    );

    const expiring = await issueToken(h.db.db, c.clientId, c.clientSecret, 60);
    await h.db.db
      .updateTable('engage.scim_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expiring!.tokenId)
      .execute();
    assert.equal((await get(expiring!.accessToken)).status, 401);

    const revoked = await issueToken(h.db.db, c.clientId, c.clientSecret, 3600);
    assert.equal((await get(revoked!.accessToken)).status, 200);
    assert.ok(await revokeToken(h.db.db, revoked!.tokenId));
    assert.equal((await get(revoked!.accessToken)).status, 401);

    const other = await issueToken(h.db.db, c.clientId, c.clientSecret, 3600);
    assert.ok(await revokeClient(h.db.db, c.clientId));
    assert.equal((await get(other!.accessToken)).status, 401);
    assert.equal(
      (
        await requestToken({
          scimClientId: c.clientId,
          scimClientSecret: c.clientSecret,
          grantType: 'password',
        })
      ).status,
      401,
    );
    const listed = await listTokens(h.db.db);
    assert.ok(listed.some((t) => t.id === other!.tokenId && t.revoked_at));
    assert.ok(listed.some((t) => t.last_used_at));
  });

  it('rate-limits per client with 429 and Retry-After', async () => {
    const limited = await startEngageScimServer({
      db: h.db.db,
      rateLimit: { perSecond: 1, burst: 3 },
      log: () => {},
    });
    after(() => limited.close());
    const get = (token: string) =>
      fetch(`${limited.baseUrl}/Users`, { headers: { Authorization: `Bearer ${token}` } });
    const c = await createClient(h.db.db, 'busy');
    const t = await issueToken(h.db.db, c.clientId, c.clientSecret, 3600);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await get(t!.accessToken);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
      await r.arrayBuffer();
    }
    assert.ok(statuses.includes(429), statuses.join(','));
    assert.ok(Number(retryAfter) >= 1);
    // Another client has its own bucket.
    const d = await createClient(h.db.db, 'calm');
    const u = await issueToken(h.db.db, d.clientId, d.clientSecret, 3600);
    assert.equal((await get(u!.accessToken)).status, 200);
  });

  it('limits token requests per caller before any secret is checked, and per client id', async () => {
    const limited = await startEngageScimServer({
      db: h.db.db,
      rateLimit: false,
      tokenRateLimit: { perSecond: 0.01, burst: 3 },
      log: () => {},
    });
    after(() => limited.close());
    const url = `${limited.baseUrl}/token`;
    const real = await createClient(h.db.db, 'real');
    const good = { scimClientId: real.clientId, scimClientSecret: real.clientSecret, grantType: 'password' };
    const unknown = (i: number) => ({
      scimClientId: `scim_nobody${i}`,
      scimClientSecret: 'x',
      grantType: 'password',
    });

    // A caller sending made-up ids: its burst is checked (401), then it is turned away (429), even
    // with real credentials, since the caller is limited before they are looked at.
    const flood = [];
    for (let i = 0; i < 6; i++) flood.push(await tokenFrom(url, '127.0.0.2', unknown(i)));
    assert.deepEqual(
      flood.map((r) => r.status),
      [401, 401, 401, 429, 429, 429],
    );
    assert.ok(Number(flood[3]!.retryAfter) >= 1);
    assert.equal((await tokenFrom(url, '127.0.0.2', good)).status, 429);
    // X-Forwarded-For from an untrusted peer changes nothing.
    assert.equal(
      (await tokenFrom(url, '127.0.0.2', good, { 'X-Forwarded-For': '198.51.100.7' })).status,
      429,
    );
    // Another caller is not slowed.
    assert.equal((await tokenFrom(url, '127.0.0.1', good)).status, 200);

    // One client id tried from many addresses: limited per client id as well.
    const spread = [];
    for (let i = 0; i < 5; i++) spread.push((await tokenFrom(url, `127.0.1.${i + 1}`, unknown(99))).status);
    assert.deepEqual(spread, [401, 401, 401, 429, 429]);

    // Someone who knows the real client's id empties its bucket from other addresses with requests
    // that carry no secret: the real client, from where it proved its secret, still gets its token.
    const noSecret = { scimClientId: real.clientId, grantType: 'password' };
    const drained = [];
    for (let i = 0; i < 5; i++) drained.push((await tokenFrom(url, `127.0.2.${i + 1}`, noSecret)).status);
    assert.ok(drained.includes(429), drained.join(','));
    assert.equal((await tokenFrom(url, '127.0.3.1', good)).status, 429, 'a new address is held to the limit');
    assert.equal(
      (await tokenFrom(url, '127.0.0.1', good)).status,
      200,
      'the proven caller is not locked out',
    );
  });

  it('believes X-Forwarded-For only from configured proxies', async () => {
    const proxied = await startEngageScimServer({
      db: h.db.db,
      rateLimit: false,
      tokenRateLimit: { perSecond: 0.01, burst: 2 },
      trustedProxies: ['127.0.0.0/8'],
      log: () => {},
    });
    after(() => proxied.close());
    const url = `${proxied.baseUrl}/token`;
    const ask = (xff: string, i: number) =>
      tokenFrom(
        url,
        '127.0.0.5',
        { scimClientId: `scim_p${i}`, scimClientSecret: 'x', grantType: 'password' },
        {
          'X-Forwarded-For': xff,
        },
      ).then((r) => r.status);
    // The client address the proxy appended, not what the client wrote in front of it.
    assert.deepEqual(
      [
        await ask('10.1.1.1, 203.0.113.9', 1),
        await ask('10.9.9.9, 203.0.113.9', 2),
        await ask('203.0.113.9', 3),
      ],
      [401, 401, 429],
    );
    assert.equal(await ask('198.51.100.1', 4), 401, 'another client behind the proxy has its own bucket');
  });

  it('keys callers by address (IPv6 by /64), and bounds its buckets', () => {
    const req = (remoteAddress: string, xff?: string) =>
      ({
        socket: { remoteAddress },
        headers: xff ? { 'x-forwarded-for': xff } : {},
      }) as unknown as IncomingMessage;
    assert.equal(callerKey(req('::ffff:127.0.0.2')), '127.0.0.2');
    assert.equal(callerKey(req('2001:db8:1:2:3:4:5:6')), '2001:db8:1:2::/64');
    assert.equal(callerKey(req('2001:db8:1:2::9')), '2001:db8:1:2::/64');
    assert.equal(callerKey(req('2001:db8::1')), '2001:db8:0:0::/64');
    assert.equal(callerKey(req('10.0.0.1', '192.0.2.1')), '10.0.0.1', 'no proxy configured');
    const proxies = trustedProxies(['10.0.0.0/8', '::1']);
    assert.equal(callerKey(req('10.0.0.1', '192.0.2.1, 10.0.0.2'), proxies), '192.0.2.1');
    assert.equal(callerKey(req('::1', 'garbage, 192.0.2.1'), proxies), '192.0.2.1');
    assert.equal(callerKey(req('10.0.0.1', '192.0.2.1, garbage'), proxies), '10.0.0.1');
    assert.throws(() => trustedProxies(['10.0.0.0/33']), /10\.0\.0\.0\/33/);
    assert.throws(() => trustedProxies(['proxy.example']), /proxy\.example/);

    let now = 0;
    const b = new TokenBuckets({ perSecond: 1, burst: 2 }, 1000, () => now);
    for (let i = 0; i < 100_000; i++) b.take(`made-up-${i}`);
    assert.equal(b.size, 1000, 'least recently used buckets go past maxKeys');
    assert.equal(b.take('hot'), 0);
    assert.equal(b.take('hot'), 0);
    assert.ok(b.take('hot') > 0, 'a limited key stays limited while it is busy');
    now += 2001;
    b.take('fresh');
    assert.equal(b.size, 1, 'buckets idle long enough to be full again are dropped');
  });

  it('manages clients and tokens from the CLI, never printing a token', async () => {
    const env = { ...process.env, ENGAGE_DATABASE_URL: h.db.url };
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', 'engage-scim/cli.ts', ...args], {
        env,
        encoding: 'utf8',
      });
    const created = run('client', 'create', 'cli-client');
    const clientId = /scimClientId:\s+(\S+)/.exec(created)![1]!;
    const secret = /scimClientSecret:\s+(\S+)/.exec(created)![1]!;
    assert.match(run('client', 'list'), new RegExp(`${clientId}\tcli-client\tscopes read,users,groups\t`));
    const issued = await issueToken(h.db.db, clientId, secret, 600);
    const tokens = run('token', 'list');
    assert.match(tokens, new RegExp(issued!.tokenId));
    assert.ok(!tokens.includes(issued!.accessToken.split('.')[1]!));
    run('token', 'revoke', issued!.tokenId);
    assert.equal((await get(issued!.accessToken)).status, 401);
    run('client', 'revoke', clientId);
    assert.match(run('client', 'list'), /revoked/);
  });

  it('sets scopes at creation from the CLI, refusing an unknown one with exit 2', async () => {
    const env = { ...process.env, ENGAGE_DATABASE_URL: h.db.url };
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'engage-scim/cli.ts', ...args], {
        env,
        encoding: 'utf8',
      });
    const admin = cli('client', 'create', 'cli-admin', '--scopes', 'read,users,groups,admin_types');
    assert.equal(admin.status, 0, admin.stderr);
    const adminId = /scimClientId:\s+(\S+)/.exec(admin.stdout)![1]!;
    const readOnly = cli('client', 'create', 'cli-reader', '--scopes=read');
    assert.equal(readOnly.status, 0, readOnly.stderr);
    const readerId = /scimClientId:\s+(\S+)/.exec(readOnly.stdout)![1]!;
    const rows = await h.db.db.selectFrom('engage.scim_clients').select(['id', 'scopes']).execute();
    assert.deepEqual(rows.find((r) => r.id === adminId)?.scopes, ['read', 'users', 'groups', 'admin_types']);
    assert.deepEqual(rows.find((r) => r.id === readerId)?.scopes, ['read']);
    const list = cli('client', 'list').stdout;
    assert.match(list, new RegExp(`${adminId}\tcli-admin\tscopes read,users,groups,admin_types\t`));
    assert.match(list, new RegExp(`${readerId}\tcli-reader\tscopes read\t`));

    const before = rows.length;
    for (const bad of [
      ['--scopes', 'read,superuser'],
      ['--scopes', ''],
      ['--scope', 'read'],
    ]) {
      const r = cli('client', 'create', 'cli-bad', ...bad);
      assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stdout}${r.stderr}`);
      if (bad[1] === 'read,superuser') assert.match(r.stderr, /unknown scope "superuser"/);
    }
    assert.equal((await h.db.db.selectFrom('engage.scim_clients').select('id').execute()).length, before);
  });
});
