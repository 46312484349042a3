import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../activities/failures';
import { VisitorScimClient } from '../../scim/client';
import {
  VisitorAuthError,
  VisitorInvalidRequestError,
  VisitorNetworkError,
  VisitorRateLimitedError,
  VisitorRejectedError,
  VisitorScimError,
  VisitorServerError,
  VisitorTimeoutError,
} from '../../scim/errors';
import type { Emulator } from './harness';
import { clearFaults, newClient, setFaults, startEmulator, TOKEN, userBody } from './harness';

/** Runs `fn` and returns what it threw (failing when it did not throw). */
async function caught(fn: () => Promise<unknown>): Promise<VisitorScimError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof VisitorScimError, `expected a VisitorScimError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function assertNoToken(value: unknown, what: string): void {
  const texts = [JSON.stringify(value), String(value), inspect(value, { depth: 10, showHidden: true })];
  if (value instanceof Error) texts.push(value.stack ?? '', value.message);
  for (const text of texts)
    assert.ok(!text.includes(TOKEN), `${what} leaks the token: ${text.slice(0, 400)}`);
}

describe('Visitor SCIM client — failures, retries and pacing', () => {
  let emu: Emulator;
  let existingId: string;

  before(async () => {
    emu = await startEmulator();
    const { client } = newClient(emu);
    existingId = (await client.createUser(userBody())).user.id;
    client.close();
  });
  afterEach(async () => {
    await clearFaults(emu);
  });
  after(async () => {
    await emu.close();
  });

  it('401 with a wrong token: VisitorAuthError, not retried, non-retryable for Temporal', async () => {
    const { client, requests } = newClient(emu, { token: 'wrong-token' });
    const err = await caught(() => client.getUser(existingId));
    client.close();
    assert.ok(err instanceof VisitorAuthError);
    assert.equal(err.status, 401);
    assert.equal(err.retryable, false);
    assert.match(err.message, /Visitor rejected the SCIM token \(401\): check VISITOR_SCIM_TOKEN/);
    assert.equal(requests.length, 1, 'no retry');
    const failure = toActivityFailure(err);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'VisitorAuthError');
    assert.equal(failure.nonRetryable, true);
  });

  it('400 from a Visitor rule: VisitorRejectedError with scimType and detail', async () => {
    const { client, requests } = newClient(emu);
    // userName must equal the work e-mail — a rule only Visitor checks.
    const body = { ...userBody(), userName: 'someone-else@example.com' };
    const err = await caught(() => client.createUser(body));
    client.close();
    assert.ok(err instanceof VisitorRejectedError);
    assert.equal(err.status, 400);
    assert.equal(err.scimType, 'invalidValue');
    assert.match(err.detail ?? '', /userName/);
    assert.equal(requests.length, 1);
    const failure = toActivityFailure(err);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'VisitorRejected');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(
      { ...(failure.details?.[0] as object) },
      { scimType: 'invalidValue', detail: err.detail, status: 400, method: 'POST', route: '/Users' },
    );
  });

  it('a body that breaks the wire schema is refused before sending', async () => {
    const { client, requests } = newClient(emu);
    const err = await caught(() =>
      client.createUser(userBody({ phoneNumbers: [{ value: '07700 900123', type: 'mobile' }] })),
    );
    client.close();
    assert.ok(err instanceof VisitorInvalidRequestError);
    assert.ok(err instanceof VisitorRejectedError);
    assert.match(err.detail ?? '', /phoneNumbers\.0\.value/);
    assert.equal(requests.length, 0);
  });

  it('5xx: retried, then VisitorServerError once attempts run out', async () => {
    await setFaults(emu, { errorRate: 1, errorStatuses: [503] });
    const { client, requests, retries } = newClient(emu, { retry: { attempts: 3 } });
    const err = await caught(() => client.getUser(existingId));
    client.close();
    assert.ok(err instanceof VisitorServerError);
    assert.equal(err.status, 503);
    assert.equal(err.retryable, true);
    assert.deepEqual(
      requests.map((r) => [r.attempt, r.status, r.route]),
      [
        [1, 503, '/Users/{id}'],
        [2, 503, '/Users/{id}'],
        [3, 503, '/Users/{id}'],
      ],
    );
    assert.deepEqual(
      retries.map((r) => r.attempt),
      [1, 2],
    );
    const failure = toActivityFailure(err);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nonRetryable, false);
  });

  it('429: Retry-After is honoured exactly and the call then succeeds', async () => {
    await setFaults(emu, { rateLimit: { perSecond: 1, burst: 1 } });
    const { client, requests, retries } = newClient(emu);
    const [a, b] = await Promise.all([client.getUser(existingId), client.getUser(existingId)]);
    client.close();
    assert.equal(a?.id, existingId);
    assert.equal(b?.id, existingId);
    assert.ok(requests.some((r) => r.status === 429));
    assert.ok(retries.length >= 1);
    for (const r of retries) {
      assert.ok(r.error instanceof VisitorRateLimitedError);
      assert.equal(r.retryAfterMs, 1000, 'Retry-After: 1 observed');
      assert.equal(r.delayMs, 1000, 'waited exactly Retry-After, no jitter');
    }
  });

  it('a 429 uses up no attempt: the call waits Retry-After out, and other callers wait at the gate', async () => {
    await setFaults(emu, { rateLimit: { perSecond: 1, burst: 1 } });
    const { client, requests, retries } = newClient(emu, { retry: { attempts: 1 } });
    await client.getUser(existingId);
    // One attempt only, yet the throttled call is not given up: it waits and gets through.
    const a = client.getUser(existingId);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(client.backoffRemainingMs > 0, 'the 429 closed the gate');
    const sent = requests.length;
    const b = client.getUser(existingId);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(requests.length, sent, 'nothing is sent while the gate is closed');
    const [ra, rb] = await Promise.all([a, b]);
    client.close();
    assert.equal(ra?.id, existingId);
    assert.equal(rb?.id, existingId);
    assert.ok(retries.some((r) => r.error instanceof VisitorRateLimitedError && r.retryAfterMs === 1000));
  });

  it('a Retry-After longer than maxRetryAfterMs goes to Temporal as nextRetryDelay; others fail fast', async () => {
    await setFaults(emu, { rateLimit: { perSecond: 1, burst: 1 } });
    const { client, requests } = newClient(emu, { retry: { maxRetryAfterMs: 100 } });
    await client.getUser(existingId);
    const err = await caught(() => client.getUser(existingId));
    assert.ok(err instanceof VisitorRateLimitedError);
    assert.equal(requests.length, 2, 'not retried in-client');
    const failure = toActivityFailure(err);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 1000);

    const fast = await caught(() => client.getUser(existingId));
    client.close();
    assert.ok(fast instanceof VisitorRateLimitedError);
    assert.ok((fast.retryAfterMs ?? 0) > 0);
    assert.equal(requests.length, 2, 'nothing sent while the gate is closed');
  });

  it('maxRequestsPerSecond keeps a known server limit without a single 429', async () => {
    await setFaults(emu, { rateLimit: { perSecond: 20, burst: 5 } });
    const { client, requests } = newClient(emu, { maxRequestsPerSecond: 19, retry: { attempts: 1 } });
    // Burst 5 on the server absorbs a stalled event loop; without the client limit, 12 at once get 7 × 429.
    await Promise.all(Array.from({ length: 12 }, () => client.getUser(existingId)));
    client.close();
    assert.equal(requests.length, 12);
    assert.deepEqual(
      requests.filter((r) => r.status !== 200),
      [],
    );
  });

  it('a dropped connection is a retryable network error', async () => {
    await setFaults(emu, { dropRate: 1 });
    const { client, requests } = newClient(emu, { retry: { attempts: 2 } });
    const err = await caught(() => client.getUser(existingId));
    client.close();
    assert.ok(err instanceof VisitorNetworkError);
    assert.equal(err.retryable, true);
    assert.equal(err.status, undefined);
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.error, 'VisitorNetworkError');
  });

  it('a hung response becomes a retryable time-out', async () => {
    await setFaults(emu, { hangRate: 1, hangMs: 3000 });
    const { client, requests } = newClient(emu, { timeoutMs: 150, retry: { attempts: 2 } });
    const err = await caught(() => client.getUser(existingId));
    client.close();
    assert.ok(err instanceof VisitorTimeoutError);
    assert.equal(err.retryable, true);
    assert.equal(requests.length, 2);
    const failure = toActivityFailure(err);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'VisitorTimeoutError');
    assert.equal(failure.nonRetryable, false);
  });

  it('retries get through random faults, the same way for the same seed', async () => {
    const run = async () => {
      await setFaults(emu, { seed: 42, errorRate: 0.4, dropRate: 0.1 });
      const { client, requests } = newClient(emu, { retry: { attempts: 8 } });
      for (let i = 0; i < 15; i++) assert.equal((await client.getUser(existingId))?.id, existingId);
      client.close();
      return requests.map((r) => r.status ?? r.error);
    };
    const first = await run();
    const second = await run();
    assert.ok(first.length > 15, 'some faults were injected');
    assert.equal(first.filter((s) => s === 200).length, 15);
    assert.deepEqual(second, first);
  });

  it('a create whose answer was lost is retried and adopted, never duplicated', async () => {
    await setFaults(emu, { errorAfterCommitRate: 1, routes: ['POST /Users'] });
    const { client, requests } = newClient(emu);
    const body = userBody();
    const { user, adopted } = await client.createUser(body);
    await clearFaults(emu);
    assert.equal(adopted, true);
    assert.equal(user.userName, body.userName);
    assert.deepEqual(
      requests.filter((r) => r.route === '/Users').map((r) => [r.method, r.status]),
      [
        ['POST', 500],
        ['POST', 409],
        ['GET', 200],
      ],
    );
    const all = [];
    for await (const page of client.listUsers({ filter: `userName eq "${body.userName}"` }))
      all.push(...page.resources);
    client.close();
    assert.equal(all.length, 1);
  });

  it('never exposes the token in errors, the client or hook events', async () => {
    const events: unknown[] = [];
    const { client } = newClient(emu, { onRequest: (e) => events.push(e) });
    assertNoToken(client, 'client');
    await setFaults(emu, { errorRate: 1 });
    const server = await caught(() => client.getUser(existingId));
    await setFaults(emu, { dropRate: 1 });
    const network = await caught(() => client.getUser(existingId));
    client.close();
    const auth = await caught(() => {
      const bad = new VisitorScimClient({
        baseUrl: emu.baseUrl,
        token: `${TOKEN}-wrong`,
        retry: { attempts: 1 },
      });
      return bad.getUser(existingId).finally(() => bad.close());
    });
    for (const [what, err] of [
      ['server error', server],
      ['network error', network],
      ['auth error', auth],
    ] as const) {
      assertNoToken(err, what);
      assertNoToken(toActivityFailure(err), `${what} failure`);
      assert.ok(!err.message.includes('/Users/' + existingId), 'route template, not the concrete path');
    }
    assertNoToken(events, 'request events');
  });
});
