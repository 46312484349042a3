// The realistic profile over HTTP: latency on every answer, the per-company sliding-window
// limit (429 + Retry-After), its composition with fault injection, the listing cap, and the
// arrival figures in /_admin/stats. The emulator runs in this process, so the test's
// performance.now() is the emulator's clock: a request's arrival lies between its send and its
// answer, which lets the assertions bound what the emulator saw without trusting timing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VisitorEmulatorOptions } from '../../dev/emulator/server';
import type { TestEmulator } from './helpers';
import { createUser, startTestEmulator, TOKEN } from './helpers';
import { URN_ERROR } from './urns';

interface Timed {
  status: number;
  retryAfter: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: SCIM error bodies
  body: any;
  sent: number;
  received: number;
}

async function timed(t: TestEmulator, path: string, token = TOKEN): Promise<Timed> {
  const sent = performance.now();
  const response = await fetch(`${t.emulator.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: text === '' ? undefined : JSON.parse(text),
    sent,
    received: performance.now(),
  };
}

const burst = (t: TestEmulator, n: number, path = '/ServiceProviderConfig', token = TOKEN) =>
  Promise.all(Array.from({ length: n }, () => timed(t, path, token)));

/**
 * Sound check of "no more than `capacity` accepted in any window of `windowMs`": if capacity + 1
 * accepted requests were all sent and answered within less than windowMs, they arrived within
 * less than windowMs — the limiter let one too many through.
 */
function assertNoWindowOverfilled(accepted: Timed[], capacity: number, windowMs: number): void {
  const bySend = [...accepted].sort((a, b) => a.sent - b.sent);
  for (let i = 0; i + capacity < bySend.length; i++) {
    const group = bySend.slice(i, i + capacity + 1);
    const span = Math.max(...group.map((r) => r.received)) - group[0]!.sent;
    assert.ok(span >= windowMs, `${capacity + 1} requests accepted within ${span.toFixed(1)} ms`);
  }
}

async function withEmulator(
  options: Partial<VisitorEmulatorOptions>,
  body: (t: TestEmulator) => Promise<void>,
) {
  const t = await startTestEmulator(options);
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

const fastLimited = (rateLimitPerSecond: number | null): Partial<VisitorEmulatorOptions> => ({
  profile: { name: 'realistic', latencyMs: { min: 0, max: 0 }, rateLimitPerSecond },
});

function assertScim429(res: Timed, maxRetry: number): void {
  assert.equal(res.status, 429);
  assert.match(res.retryAfter ?? '', /^[1-9]\d*$/);
  assert.ok(Number(res.retryAfter) <= maxRetry, `Retry-After ${res.retryAfter} > ${maxRetry}`);
  assert.deepEqual(res.body.schemas, [URN_ERROR]);
  assert.equal(res.body.status, '429');
  assert.match(res.body.detail, /Too many requests/);
}

describe('realistic profile: latency', () => {
  it('delays every answer by at least the minimum — successes, 401s, 404s and 429s alike', async () => {
    // 0.1/s: a window of 10 s holding one request, so the second request is refused however slow this machine.
    await withEmulator({ profile: { name: 'realistic', rateLimitPerSecond: 0.1 } }, async (t) => {
      const ok = await timed(t, '/ServiceProviderConfig');
      const limited = await timed(t, '/ServiceProviderConfig');
      const unknown = await timed(t, '/Nothing');
      const unauthorised = await timed(t, '/ServiceProviderConfig', 'not-the-token');
      assert.equal(ok.status, 200);
      assert.equal(limited.status, 429);
      assert.equal(unauthorised.status, 401);
      assert.equal(unknown.status, 429, 'the rate limit is checked before the route');
      for (const res of [ok, limited, unknown, unauthorised]) {
        const took = res.received - res.sent;
        assert.ok(took >= 100, `${res.status} answered in ${took.toFixed(1)} ms`);
      }
      const stats = (await t.admin('GET', '/stats')).body;
      assert.deepEqual(stats.profile, {
        name: 'realistic',
        latencyMs: { min: 100, max: 300 },
        rateLimitPerSecond: 0.1,
        rateLimitWindow: { ms: 10000, requests: 1 },
        maxListOffset: null,
        companies: ['company-1'],
      });
    });
  });

  it('the latency is drawn from the configured range', async () => {
    await withEmulator(
      { profile: { name: 'realistic', latencyMs: { min: 150, max: 160 }, rateLimitPerSecond: null } },
      async (t) => {
        const answers = await burst(t, 5);
        for (const res of answers) {
          assert.equal(res.status, 200);
          assert.ok(res.received - res.sent >= 150, `${(res.received - res.sent).toFixed(1)} ms`);
        }
      },
    );
  });

  it('loopback (the default) has no rate limit and says so in /stats', async () => {
    await withEmulator({}, async (t) => {
      const answers = await burst(t, 40);
      assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([200]));
      const stats = (await t.admin('GET', '/stats')).body;
      assert.equal(stats.profile.name, 'loopback');
      assert.equal(stats.profile.latencyMs, null);
      assert.equal(stats.profile.rateLimitPerSecond, null);
      assert.equal(stats.overall.rateLimited, 0);
    });
  });
});

describe('realistic profile: per-company rate limit', () => {
  it('a burst of 30 at 5/s: 429 + Retry-After beyond the limit, never more than 5 accepted in a second', async () => {
    await withEmulator(fastLimited(5), async (t) => {
      const answers = await burst(t, 30);
      const accepted = answers.filter((r) => r.status === 200);
      const refused = answers.filter((r) => r.status !== 200);
      for (const res of refused) assertScim429(res, 1);
      assert.ok(accepted.length >= 5, 'the first five of a second are accepted');
      assert.ok(refused.length >= 1);
      assertNoWindowOverfilled(accepted, 5, 1000);

      const stats = (await t.admin('GET', '/stats')).body;
      const company = stats.companies['company-1'];
      assert.deepEqual(
        {
          requests: company.requests,
          accepted: company.accepted,
          rateLimited: company.rateLimited,
        },
        { requests: 30, accepted: accepted.length, rateLimited: refused.length },
      );
      assert.ok(company.maxAcceptedInAnySecond <= 5, `max accepted ${company.maxAcceptedInAnySecond}`);
      assert.ok(company.maxRequestsInAnySecond >= company.maxAcceptedInAnySecond);
      const burstSpan = Math.max(...answers.map((r) => r.received)) - Math.min(...answers.map((r) => r.sent));
      if (burstSpan < 1000) {
        assert.equal(company.maxRequestsInAnySecond, 30, 'the whole burst arrived within a second');
        assert.equal(company.maxAcceptedInAnySecond, 5);
      }
      assert.deepEqual(stats.overall, company, 'one company: overall is that company');
      assert.equal(stats.routes['GET /ServiceProviderConfig']['429'], refused.length);
    });
  });

  it('paced above the limit for two seconds: no 1-second window holds more than the limit', async () => {
    await withEmulator(fastLimited(4), async (t) => {
      const pending: Promise<Timed>[] = [];
      const start = performance.now();
      while (performance.now() - start < 2200) {
        pending.push(timed(t, '/Users?count=0'));
        await sleep(40);
      }
      const answers = await Promise.all(pending);
      const accepted = answers.filter((r) => r.status === 200);
      for (const res of answers.filter((r) => r.status !== 200)) assertScim429(res, 1);
      assertNoWindowOverfilled(accepted, 4, 1000);
      const stats = (await t.admin('GET', '/stats')).body.companies['company-1'];
      assert.equal(stats.requests, answers.length);
      assert.equal(stats.accepted, accepted.length);
      assert.ok(stats.maxAcceptedInAnySecond <= 4);
    });
  });

  it('waiting Retry-After seconds is enough', async () => {
    await withEmulator(fastLimited(3), async (t) => {
      let refused: Timed | undefined;
      for (let i = 0; i < 20 && !refused; i++) {
        const res = await timed(t, '/ServiceProviderConfig');
        if (res.status === 429) refused = res;
      }
      assert.ok(refused, 'a 429 within 20 quick requests at 3/s');
      await sleep(Number(refused.retryAfter) * 1000);
      assert.equal((await timed(t, '/ServiceProviderConfig')).status, 200);
    });
  });

  it('below 1 request/s: a window of 1/limit seconds holds one request', async () => {
    await withEmulator(fastLimited(0.5), async (t) => {
      const answers = await burst(t, 3);
      const accepted = answers.filter((r) => r.status === 200);
      assert.ok(accepted.length >= 1);
      assertNoWindowOverfilled(accepted, 1, 2000);
      for (const res of answers.filter((r) => r.status !== 200)) assertScim429(res, 2);
      const stats = (await t.admin('GET', '/stats')).body;
      assert.deepEqual(stats.profile.rateLimitWindow, { ms: 2000, requests: 1 });
    });
  });

  it('each company (bearer token) has its own budget and its own figures', async () => {
    const second = 'second-company-token';
    await withEmulator({ ...fastLimited(2), extraTokens: [second] }, async (t) => {
      // Company 1 spends its budget until it is refused…
      let first: Timed | undefined;
      for (let i = 0; i < 20 && first?.status !== 429; i++) first = await timed(t, '/Users?count=0');
      assert.equal(first?.status, 429);
      // …and company 2, right after, still has its own.
      const other = await timed(t, '/Users?count=0', second);
      assert.equal(other.status, 200);
      const others = [other, ...(await burst(t, 4, '/Users?count=0', second))];
      assertNoWindowOverfilled(
        others.filter((r) => r.status === 200),
        2,
        1000,
      );
      assert.equal((await timed(t, '/Users?count=0', 'nobody-s-token')).status, 401);

      const stats = (await t.admin('GET', '/stats')).body;
      assert.deepEqual(stats.profile.companies, ['company-1', 'company-2']);
      const [c1, c2] = [stats.companies['company-1'], stats.companies['company-2']];
      assert.ok(c1.rateLimited >= 1);
      assert.equal(c2.requests, 5);
      assert.equal(c2.accepted, others.filter((r) => r.status === 200).length);
      assert.ok(c2.accepted >= 1);
      assert.equal(stats.overall.requests, c1.requests + c2.requests + 1, 'the 401 counts overall only');
      assert.equal(stats.overall.rateLimited, c1.rateLimited + c2.rateLimited);
    });
  });

  it('composes with fault injection: the profile limit first, then the faults; latency on both', async () => {
    const [second, third] = ['second-company-token', 'third-company-token'];
    await withEmulator(
      {
        // 0.1/s: each company gets one request in 10 s.
        profile: { name: 'realistic', latencyMs: { min: 100, max: 100 }, rateLimitPerSecond: 0.1 },
        extraTokens: [second, third],
        // A fault bucket of two tokens, shared by all, that does not refill during the test.
        faults: { rateLimit: { perSecond: 0.01, burst: 2 } },
      },
      async (t) => {
        const a = await timed(t, '/ServiceProviderConfig');
        const b = await timed(t, '/ServiceProviderConfig');
        // b was refused by the profile, so it took no token from the fault bucket: c gets the last one.
        const c = await timed(t, '/ServiceProviderConfig', second);
        const d = await timed(t, '/ServiceProviderConfig', third);
        const e = await timed(t, '/ServiceProviderConfig', 'nobody-s-token');
        assert.equal(a.status, 200);
        assertScim429(b, 10);
        assert.match(b.body.detail, /this company may send 0\.1 requests per second/);
        assert.equal(c.status, 200);
        assertScim429(d, 100);
        assert.doesNotMatch(d.body.detail, /this company/, 'the fault bucket refused it');
        assert.equal(e.status, 401);
        for (const res of [a, b, c, d, e]) assert.ok(res.received - res.sent >= 100);

        const stats = (await t.admin('GET', '/stats')).body;
        assert.deepEqual(
          ['company-1', 'company-2', 'company-3'].map((name) => {
            const { requests, accepted, rateLimited } = stats.companies[name];
            return [requests, accepted, rateLimited];
          }),
          [
            [2, 1, 1],
            [1, 1, 0],
            [1, 0, 1],
          ],
        );
        assert.deepEqual(
          [stats.overall.requests, stats.overall.accepted, stats.overall.rateLimited],
          [5, 3, 2],
        );
      },
    );
  });

  it('an injected error is answered after the profile latency', async () => {
    await withEmulator(
      {
        profile: { name: 'realistic', latencyMs: { min: 120, max: 140 }, rateLimitPerSecond: null },
        faults: { errorRate: 1, errorStatuses: [503] },
      },
      async (t) => {
        const res = await timed(t, '/Users');
        assert.equal(res.status, 503);
        assert.ok(res.received - res.sent >= 120);
      },
    );
  });
});

describe('listing cap and stats', () => {
  it('maxListOffset refuses a startIndex beyond it with 400 tooMany; no cap by default', async () => {
    await withEmulator({ maxListOffset: 3 }, async (t) => {
      for (const i of [1, 2, 3, 4]) await createUser(t, `cap${i}@example.com`);
      const last = await t.scim('GET', '/Users?startIndex=3&count=5');
      assert.equal(last.status, 200);
      assert.equal(last.body.Resources.length, 2);
      for (const path of ['/Users?startIndex=4', '/Users?startIndex=4&count=0', '/Locations?startIndex=10']) {
        const refused = await t.scim('GET', path);
        assert.equal(refused.status, 400, path);
        assert.deepEqual(refused.body.schemas, [URN_ERROR]);
        assert.equal(refused.body.scimType, 'tooMany');
        assert.match(refused.body.detail, /beyond the 3 results/);
      }
      assert.equal((await t.admin('GET', '/stats')).body.profile.maxListOffset, 3);
    });
    await withEmulator({}, async (t) => {
      const deep = await t.scim('GET', '/Users?startIndex=100000');
      assert.equal(deep.status, 200);
      assert.deepEqual(deep.body.Resources, []);
    });
  });

  it('the most requests in any second, per company and overall; stats reset zeroes them', async () => {
    await withEmulator({}, async (t) => {
      const first = await burst(t, 7);
      // Past the burst's last answer by more than a second: the next three share no window with it.
      await sleep(1100);
      await burst(t, 3);
      const stats = (await t.admin('GET', '/stats')).body;
      const company = stats.companies['company-1'];
      assert.equal(company.requests, 10);
      assert.equal(company.accepted, 10);
      assert.equal(company.rateLimited, 0);
      assert.ok(company.maxRequestsInAnySecond <= 7 && company.maxRequestsInAnySecond >= 3);
      const span = Math.max(...first.map((r) => r.received)) - Math.min(...first.map((r) => r.sent));
      if (span < 1000) assert.equal(company.maxRequestsInAnySecond, 7);
      assert.equal(company.maxAcceptedInAnySecond, company.maxRequestsInAnySecond);
      assert.deepEqual(stats.overall, company);

      const reset = (await t.admin('POST', '/stats/reset')).body;
      const zero = {
        requests: 0,
        accepted: 0,
        rateLimited: 0,
        maxRequestsInAnySecond: 0,
        maxAcceptedInAnySecond: 0,
      };
      assert.deepEqual(reset.overall, zero);
      assert.deepEqual(reset.companies, { 'company-1': zero });
      assert.deepEqual((await t.admin('GET', '/stats')).body.companies['company-1'], zero);
    });
  });
});
