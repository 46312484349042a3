import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  createClient,
  issueToken,
  listTokens,
  revokeClient,
  revokeToken,
} from '../../engage-scim/auth/tokens';
import { startEngageScimServer } from '../../engage-scim/server';
import { type ScimHarness, scimHarness } from './support';

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
    assert.match(run('client', 'list'), new RegExp(clientId));
    const issued = await issueToken(h.db.db, clientId, secret, 600);
    const tokens = run('token', 'list');
    assert.match(tokens, new RegExp(issued!.tokenId));
    assert.ok(!tokens.includes(issued!.accessToken.split('.')[1]!));
    run('token', 'revoke', issued!.tokenId);
    assert.equal((await get(issued!.accessToken)).status, 401);
    run('client', 'revoke', clientId);
    assert.match(run('client', 'list'), /revoked/);
  });
});
