import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestEmulator } from './helpers';
import { createUser, startTestEmulator, userBody } from './helpers';
import { URN_ERROR } from './urns';

describe('fault injection', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  beforeEach(async () => {
    await t.admin('PUT', '/faults', {});
    await t.admin('POST', '/reset');
  });
  after(() => t.close());

  const userCount = async () => (await t.admin('GET', '/state')).body.users.length as number;

  it('errorRate answers 500/503 with a SCIM error body and changes nothing', async () => {
    await t.admin('PUT', '/faults', { errorRate: 1, seed: 3 });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const res = await t.scim('POST', '/Users', userBody(`e${i}@example.com`));
      assert.ok(res.status === 500 || res.status === 503, String(res.status));
      assert.deepEqual(res.body.schemas, [URN_ERROR]);
      assert.equal(res.body.status, String(res.status));
      statuses.add(res.status);
    }
    assert.deepEqual([...statuses].sort(), [500, 503]);
    assert.equal(await userCount(), 0);
  });

  it('the same seed gives the same sequence of outcomes; another seed another one', async () => {
    const run = async (seed: number) => {
      await t.admin('PUT', '/faults', { errorRate: 0.5, seed });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) out.push((await t.scim('GET', '/ServiceProviderConfig')).status);
      return out;
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a.includes(200) && a.some((s) => s >= 500));
  });

  it('rateLimit answers 429 with Retry-After once the bucket is empty, before any change', async () => {
    // One token per 10 s: the two later requests cannot be refilled in between.
    await t.admin('PUT', '/faults', { rateLimit: { perSecond: 0.1, burst: 2 } });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await t.scim('POST', '/Users', userBody(`r${i}@example.com`)));
    assert.deepEqual(
      results.map((r) => r.status),
      [201, 201, 429, 429],
    );
    const limited = results[2]!;
    assert.match(limited.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.deepEqual(limited.body.schemas, [URN_ERROR]);
    assert.equal(limited.body.status, '429');
    assert.equal(await userCount(), 2);
  });

  it('dropRate destroys the socket without a response and changes nothing', async () => {
    await t.admin('PUT', '/faults', { dropRate: 1 });
    await assert.rejects(t.scim('POST', '/Users', userBody('drop@example.com')));
    await t.admin('PUT', '/faults', {});
    assert.equal(await userCount(), 0);
    const stats = await t.admin('GET', '/stats');
    assert.equal(stats.body.routes['POST /Users'].dropped, 1);
  });

  it('hangRate withholds the response for hangMs, then destroys the socket', async () => {
    await t.admin('PUT', '/faults', { hangRate: 1, hangMs: 150 });
    await assert.rejects(t.scim('POST', '/Users', userBody('hang@example.com')));
    await t.admin('PUT', '/faults', {});
    assert.equal(await userCount(), 0);
  });

  it('latency delays but still answers', async () => {
    await t.admin('PUT', '/faults', { latencyMs: { min: 5, max: 20 } });
    const res = await t.scim('POST', '/Users', userBody('slow@example.com'));
    assert.equal(res.status, 201);
  });

  it('errorAfterCommitRate: the write happens, the client sees a 500 (lost response)', async () => {
    await t.admin('PUT', '/faults', { errorAfterCommitRate: 1 });
    const res = await t.scim('POST', '/Users', userBody('lost@example.com'));
    assert.equal(res.status, 500);
    assert.deepEqual(res.body.schemas, [URN_ERROR]);
    // Reads are never failed after commit; the retry of the create now meets 409.
    const list = await t.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "lost@example.com"')}`);
    assert.equal(list.status, 200);
    assert.equal(list.body.totalResults, 1);
    const retry = await t.scim('POST', '/Users', userBody('lost@example.com'));
    assert.equal(retry.status, 409);
  });

  it('routes limit the faults to the named route templates', async () => {
    const user = await createUser(t, 'routes@example.com');
    await t.admin('PUT', '/faults', { errorRate: 1, routes: ['POST /Users', '/Users/{id}'] });
    assert.ok((await t.scim('POST', '/Users', userBody('x@example.com'))).status >= 500);
    assert.ok((await t.scim('GET', `/Users/${user.id}`)).status >= 500);
    assert.ok((await t.scim('DELETE', `/Users/${user.id}`)).status >= 500);
    assert.equal((await t.scim('GET', '/Users')).status, 200);
    assert.equal((await t.scim('GET', '/Locations')).status, 200);
  });

  it('faults never apply to /_admin; the config round-trips and is validated', async () => {
    const put = await t.admin('PUT', '/faults', { errorRate: 1, dropRate: 0, seed: 9 });
    assert.equal(put.status, 200);
    assert.equal(put.body.errorRate, 1);
    const got = await t.admin('GET', '/faults');
    assert.equal(got.status, 200);
    assert.equal(got.body.seed, 9);
    assert.equal((await t.admin('GET', '/stats')).status, 200);
    const bad = await t.admin('PUT', '/faults', { errorRate: 2 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /errorRate/);
    const unknown = await t.admin('PUT', '/faults', { explode: true });
    assert.equal(unknown.status, 400);
    assert.equal((await t.admin('GET', '/faults')).body.errorRate, 1, 'a refused config leaves the old one');
  });

  it('faults configured at start apply from the first request', async () => {
    const other = await startTestEmulator({ faults: { errorRate: 1, errorStatuses: [503] } });
    try {
      const res = await other.scim('GET', '/Users');
      assert.equal(res.status, 503);
    } finally {
      await other.close();
    }
  });
});
