// Read-modify-write PUTs against a scripted server: what the emulator cannot show — attributes the
// client does not model, a concurrent writer (412), a target without ETags, a PATCH refused with 501
// despite discovery, SCIM 1.1's /ServiceProviderConfigs.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { VisitorScimClient } from '../../scim/client';
import { VisitorPreconditionFailedError } from '../../scim/errors';
import { setSso, setUserAttributes } from '../../scim/patch';
import { URN_CORE_SCIM1, URN_VISITOR_USER } from '../../scim/wire';

const TOKEN = 'stub-token-SECRET';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** A user as a real Visitor might hold it: SCIM 1.x core URN, attributes the client does not model. */
const stored = (version: number, extra: Record<string, unknown> = {}) => ({
  schemas: [URN_CORE_SCIM1, URN_VISITOR_USER, ENTERPRISE],
  id: 'u1',
  externalId: 'engage-1',
  userName: 'ada@example.com',
  name: { givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' },
  nickName: 'Countess',
  emails: [{ value: 'ada@example.com', type: 'work', primary: true, display: 'Ada' }],
  addresses: [{ locality: 'London', type: 'work' }],
  active: true,
  [URN_VISITOR_USER]: {
    defaultLocationId: 'l1',
    locationAccess: [{ locationId: 'l1', role: 'regular' }],
    sso: false,
    hostGroup: 'Reception',
    invitation: { status: 'sent', sentAt: '2026-01-01T00:00:00Z' },
  },
  [ENTERPRISE]: { department: 'Maths', manager: { value: 'm1' } },
  meta: {
    resourceType: 'User',
    created: 'x',
    lastModified: 'x',
    version: `W/"${version}"`,
    location: 'x',
  },
  ...extra,
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = { status: number; body?: unknown };
type Script = (req: Seen) => Reply;

describe('Visitor SCIM client — read-modify-write PUT against a scripted server', () => {
  let server: http.Server;
  let baseUrl: string;
  let script: Script = () => ({ status: 500 });
  const seen: Seen[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        seen.push(request);
        const reply = script(request);
        res.writeHead(reply.status, { 'content-type': 'application/scim+json' });
        res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v1`;
  });
  beforeEach(() => {
    seen.length = 0;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const client = () =>
    new VisitorScimClient({ baseUrl, token: TOKEN, retry: { baseDelayMs: 1, maxDelayMs: 2 } });
  const config = (patch: boolean, etag: boolean, maxResults?: number) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: patch },
    filter: { supported: true, ...(maxResults ? { maxResults } : {}) },
    etag: { supported: etag },
  });
  const writes = () => seen.filter((s) => s.method !== 'GET');
  const putBody = (s: Seen | undefined) => JSON.parse(s?.body ?? 'null') as Record<string, unknown>;

  it('the PUT is the user as read with the change: unmodelled attributes kept, read-only ones left out, If-Match its version', async () => {
    script = (req) => {
      if (req.url.endsWith('/ServiceProviderConfig')) return { status: 200, body: config(false, true) };
      if (req.method === 'GET') return { status: 200, body: stored(7) };
      return { status: 200, body: { ...putBody(req), meta: stored(8).meta } };
    };
    const c = client();
    const updated = await c.patchUser('u1', [...setUserAttributes({ title: 'Analyst' }), ...setSso(true)]);
    c.close();
    const [put, ...more] = writes();
    assert.equal(more.length, 0);
    assert.equal(put?.method, 'PUT');
    assert.equal(put?.url, '/scim/v1/Users/u1');
    assert.equal(put?.headers['if-match'], 'W/"7"');
    const { meta: _meta, ...asRead } = stored(7);
    const { invitation: _invitation, ...extension } = asRead[URN_VISITOR_USER];
    assert.deepEqual(putBody(put), {
      ...asRead,
      title: 'Analyst',
      [URN_VISITOR_USER]: { ...extension, sso: true },
    });
    assert.equal(updated.title, 'Analyst');
  });

  it('412: a writer came in between — the user is read again and the change applied to what it wrote', async () => {
    let puts = 0;
    script = (req) => {
      if (req.url.endsWith('/ServiceProviderConfig')) return { status: 200, body: config(false, true) };
      if (req.method === 'GET')
        return { status: 200, body: puts === 0 ? stored(1) : stored(2, { nickName: 'Enchantress' }) };
      if (puts++ === 0) return { status: 412, body: { schemas: [], status: '412' } };
      return { status: 200, body: { ...putBody(req), meta: stored(3).meta } };
    };
    const c = client();
    const updated = await c.patchUser('u1', setUserAttributes({ title: 'Analyst' }));
    c.close();
    const [first, second] = writes();
    assert.equal(first?.headers['if-match'], 'W/"1"');
    assert.equal(second?.headers['if-match'], 'W/"2"');
    assert.equal(putBody(second).nickName, 'Enchantress', 'the other writer’s change is kept');
    assert.equal(putBody(second).title, 'Analyst');
    assert.equal(updated.meta.version, 'W/"3"');
  });

  it('412 every time: gives up after a few rounds with the 412', async () => {
    script = (req) => {
      if (req.url.endsWith('/ServiceProviderConfig')) return { status: 200, body: config(false, true) };
      if (req.method === 'GET') return { status: 200, body: stored(seen.length) };
      return { status: 412, body: { schemas: [], status: '412' } };
    };
    const c = client();
    const err = await c.patchUser('u1', setSso(true)).catch((e: unknown) => e);
    c.close();
    assert.ok(err instanceof VisitorPreconditionFailedError);
    assert.ok(writes().length >= 2 && writes().length <= 5, `${writes().length} PUTs`);
  });

  it('without etag.supported the PUT carries no If-Match', async () => {
    script = (req) => {
      if (req.url.endsWith('/ServiceProviderConfig')) return { status: 200, body: config(false, false) };
      if (req.method === 'GET') return { status: 200, body: stored(1) };
      return { status: 200, body: { ...putBody(req), meta: stored(2).meta } };
    };
    const c = client();
    await c.patchUser('u1', setSso(true));
    c.close();
    assert.equal(writes()[0]?.headers['if-match'], undefined);
  });

  it('a PATCH answered 501 although discovery allowed it: PUT instead, and from then on', async () => {
    script = (req) => {
      if (req.url.includes('/ServiceProviderConfig')) return { status: 404 };
      if (req.method === 'PATCH') return { status: 501, body: { schemas: [], status: '501' } };
      if (req.method === 'GET') return { status: 200, body: stored(1) };
      return { status: 200, body: { ...putBody(req), meta: stored(2).meta } };
    };
    const c = client();
    await c.patchUser('u1', setSso(true));
    await c.patchUser('u1', setUserAttributes({ title: 'Analyst' }));
    c.close();
    assert.deepEqual(
      writes().map((s) => s.method),
      ['PATCH', 'PUT', 'PUT'],
      'one refused PATCH, then PUTs (no in-client retry of a 501)',
    );
  });

  it("SCIM 1.1's /ServiceProviderConfigs is read when /ServiceProviderConfig is missing; pages stay within maxResults", async () => {
    script = (req) => {
      if (req.url.endsWith('/ServiceProviderConfig')) return { status: 404 };
      if (req.url.endsWith('/ServiceProviderConfigs'))
        return { status: 200, body: { ...config(false, true, 3), schemas: [URN_CORE_SCIM1] } };
      return { status: 200, body: { schemas: [], totalResults: 1, Resources: [stored(1)] } };
    };
    const c = client();
    assert.deepEqual(await c.targetCapabilities(), { patch: false, etag: true, maxResults: 3 });
    for await (const _ of c.listUsers({ pageSize: 100 })) break;
    c.close();
    assert.ok(seen.some((s) => s.url.startsWith('/scim/v1/Users?') && s.url.includes('count=3')));
  });
});
