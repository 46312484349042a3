// URLs the API returns come from configuration: ENGAGE_SCIM_PUBLIC_URL, else the listening address;
// never from the request's Host header, which anyone can forge.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { GROUP, newUser, type ScimHarness, scimHarness } from './support';

/** fetch() will not send another Host; node:http will. */
function withHost(
  url: string,
  host: string,
  token: string,
  method = 'GET',
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted field by field
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: {
          Host: host,
          Authorization: `Bearer ${token}`,
          ...(body ? { 'Content-Type': 'application/scim+json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** Every string in a response that looks like a URL. */
const urls = (v: unknown): string[] =>
  typeof v === 'string'
    ? /^https?:\/\//.test(v)
      ? [v]
      : []
    : v && typeof v === 'object'
      ? Object.values(v).flatMap(urls)
      : [];

describe('Engage SCIM meta.location', () => {
  describe('without ENGAGE_SCIM_PUBLIC_URL', () => {
    let h: ScimHarness;
    before(async () => {
      h = await scimHarness('location');
    });
    after(() => h.close());

    it('names the listening address whatever Host the request forges', async () => {
      const base = h.server.baseUrl;
      assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/scim\/api\/V1$/);
      const forged = 'evil.example:666';
      const created = await withHost(`${base}/Users`, forged, h.token, 'POST', newUser('loc@example.com'));
      assert.equal(created.status, 201);
      const id = created.body.id;
      assert.equal(created.body.meta.location, `${base}/Users/${id}`);
      assert.equal(created.headers.location, `${base}/Users/${id}`);
      const group = await withHost(`${base}/Groups`, forged, h.token, 'POST', {
        schemas: [GROUP],
        displayName: 'Loc',
        members: [{ value: id }],
      });
      assert.equal(group.body.members[0].$ref, `${base}/Users/${id}`);
      for (const path of [
        `/Users/${id}`,
        '/Users',
        `/Groups/${group.body.id}`,
        '/ServiceProviderConfig',
        '/Schemas',
        '/ResourceTypes',
      ]) {
        const r = await withHost(`${base}${path}`, forged, h.token);
        assert.equal(r.status, 200, path);
        const found = urls(r.body);
        assert.ok(found.length > 0, path);
        for (const u of found.filter((x) => !x.includes('github.com')))
          assert.ok(u.startsWith(base), `${path}: ${u}`);
        assert.ok(!JSON.stringify(r.body).includes('evil.example'), path);
      }
    });
  });

  describe('with ENGAGE_SCIM_PUBLIC_URL', () => {
    let h: ScimHarness;
    const publicUrl = 'https://scim.engage.example/scim/api/V1';
    before(async () => {
      h = await scimHarness('location_public', { publicUrl: `${publicUrl}/` });
    });
    after(() => h.close());

    it('names the configured URL', async () => {
      const created = await withHost(
        `${h.server.baseUrl}/Users`,
        'evil.example',
        h.token,
        'POST',
        newUser('p@example.com'),
      );
      assert.equal(created.body.meta.location, `${publicUrl}/Users/${created.body.id}`);
      assert.equal(created.headers.location, `${publicUrl}/Users/${created.body.id}`);
      const spc = await withHost(`${h.server.baseUrl}/ServiceProviderConfig`, 'evil.example', h.token);
      assert.equal(spc.body.meta.location, `${publicUrl}/ServiceProviderConfig`);
    });
  });
});
