// Server behaviours the emulator does not produce (PATCH 204, HTML error pages, HTTP-date
// Retry-After, malformed answers), served by a tiny scripted HTTP server.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { VisitorScimClient } from '../../scim/client';
import { VisitorProtocolError, VisitorRateLimitedError, VisitorServerError } from '../../scim/errors';
import { setActive } from '../../scim/patch';
import { URN_CORE_USER, URN_VISITOR_USER } from '../../scim/wire';

const TOKEN = 'stub-token-SECRET';

const user = (version: string) => ({
  schemas: [URN_CORE_USER],
  id: 'u1',
  userName: 'a@example.com',
  name: { givenName: 'A', familyName: 'B' },
  emails: [{ value: 'a@example.com', type: 'work', primary: 'True' }],
  active: 'false',
  [URN_VISITOR_USER]: { defaultLocationId: 'l1', locationAccess: [], sso: 'False' },
  meta: { resourceType: 'User', created: 'x', lastModified: 'x', version, location: 'x' },
});

type Script = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

describe('Visitor SCIM client — against a scripted server', () => {
  let server: http.Server;
  let baseUrl: string;
  let script: Script = (_req, res) => res.end();
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        script(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v1/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const client = (extra: Partial<ConstructorParameters<typeof VisitorScimClient>[0]> = {}) =>
    new VisitorScimClient({ baseUrl, token: TOKEN, retry: { baseDelayMs: 1, maxDelayMs: 2 }, ...extra });

  it('sends SCIM headers, bearer auth and If-Match; a 204 PATCH is followed by a read', async () => {
    seen.length = 0;
    script = (req, res) => {
      if (req.method === 'PATCH') {
        res.writeHead(204).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/scim+json', etag: 'W/"2"' })
        .end(JSON.stringify(user('W/"2"')));
    };
    const c = client();
    const updated = await c.patchUser('u 1/x', setActive(false), { ifMatch: 'W/"1"' });
    c.close();
    assert.equal(updated.active, false, 'boolean strings are read as booleans');
    assert.equal(updated.emails[0]?.primary, true);
    // First the client reads the target's configuration (this stub has none it can parse: PATCH).
    assert.match(seen[0]?.url ?? '', /\/ServiceProviderConfig$/);
    const [, patch, get] = seen;
    assert.equal(patch?.method, 'PATCH');
    assert.equal(
      patch?.url,
      '/scim/v1/Users/u%201%2Fx',
      'ids are encoded; trailing slash of the base ignored',
    );
    assert.equal(patch?.headers['content-type'], 'application/scim+json');
    assert.equal(patch?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(patch?.headers['if-match'], 'W/"1"');
    assert.equal(patch?.headers.connection, 'keep-alive');
    assert.deepEqual(JSON.parse(patch?.body ?? ''), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    assert.equal(get?.method, 'GET');
  });

  it('takes the ETag header when the body has no meta.version', async () => {
    script = (_req, res) => {
      const body = user('unused');
      const { version: _, ...meta } = body.meta;
      res.writeHead(200, { etag: 'W/"9"' }).end(JSON.stringify({ ...body, meta }));
    };
    const c = client();
    const got = await c.getUser('u1');
    c.close();
    assert.equal(got?.meta.version, 'W/"9"');
  });

  it('encodes filters with %20 and quotes', async () => {
    seen.length = 0;
    script = (_req, res) =>
      res.writeHead(200).end(JSON.stringify({ schemas: [], totalResults: 0, Resources: [] }));
    const c = client();
    await c.findUserByUserName('o"hara@example.com');
    c.close();
    const list = seen.find((s) => s.url.startsWith('/scim/v1/Users?'));
    const query = new URL(list?.url ?? '', 'http://x').searchParams;
    assert.equal(query.get('filter'), 'userName eq "o\\"hara@example.com"');
    assert.ok(!list?.url.includes('+'));
  });

  it('an HTML 502 page becomes a retryable server error with a readable detail', async () => {
    script = (_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end(`<h1>Bad gateway</h1> ${TOKEN}`);
    const c = client({ retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const err = await c.getUser('u1').catch((e: unknown) => e);
    c.close();
    assert.ok(err instanceof VisitorServerError);
    assert.match(err.detail ?? '', /Bad gateway/);
    assert.ok(!JSON.stringify(err).includes(TOKEN), 'echoed token redacted');
  });

  it('reads an HTTP-date Retry-After', async () => {
    script = (_req, res) =>
      res
        .writeHead(429, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() })
        .end(JSON.stringify({ schemas: [], status: '429', detail: 'slow down' }));
    const c = client({ retry: { attempts: 3, maxRetryAfterMs: 10 } });
    const err = await c.getUser('u1').catch((e: unknown) => e);
    c.close();
    assert.ok(err instanceof VisitorRateLimitedError);
    assert.ok((err.retryAfterMs ?? 0) > 100_000 && (err.retryAfterMs ?? 0) <= 120_000);
    assert.equal(err.detail, 'slow down');
  });

  it('an answer that is not the SCIM shape is a protocol error', async () => {
    script = (_req, res) => res.writeHead(200).end(JSON.stringify({ hello: 'world' }));
    const c = client();
    const err = await c.getUser('u1').catch((e: unknown) => e);
    c.close();
    assert.ok(err instanceof VisitorProtocolError);
    assert.equal(err.retryable, false);
  });

  it('falls back to the requested page size when discovery is missing', async () => {
    seen.length = 0;
    script = (req, res) => {
      if (req.url?.includes('ServiceProviderConfig')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(JSON.stringify({ schemas: [], totalResults: 1, Resources: [user('W/"1"')] }));
    };
    const c = client();
    const pages = [];
    for await (const page of c.listUsers({ pageSize: 7 })) pages.push(page);
    c.close();
    assert.equal(pages.length, 1);
    assert.ok(seen.some((s) => s.url.includes('count=7')));
  });
});
