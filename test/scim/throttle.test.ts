import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from '../../scim/retry';
import { BackoffGate, Semaphore, TokenBucket } from '../../scim/throttle';

describe('TokenBucket', () => {
  it('spaces requests at the rate after the burst', () => {
    const bucket = new TokenBucket(10, 2, 0);
    assert.equal(bucket.reserve(0), 0);
    assert.equal(bucket.reserve(0), 0);
    assert.equal(bucket.reserve(0), 100);
    assert.equal(bucket.reserve(0), 200, 'reservations queue up in order');
    assert.equal(bucket.reserve(1000), 0, 'refilled after a quiet second');
  });
  it('never exceeds the rate over a long run', () => {
    const bucket = new TokenBucket(50, 1, 0);
    let last = 0;
    for (let i = 0; i < 500; i++) last = bucket.reserve(0);
    // 500 requests at 50/s need ~10 s.
    assert.ok(Math.abs(last - 9980) < 1, `last wait ${last}`);
  });
});

describe('BackoffGate', () => {
  it('keeps the longest closure', () => {
    const gate = new BackoffGate();
    gate.closeFor(5000, 0);
    gate.closeFor(1000, 0);
    assert.equal(gate.remainingMs(0), 5000);
    assert.equal(gate.remainingMs(6000), 0);
  });
});

describe('Semaphore', () => {
  it('admits at most the limit and hands slots on in order', async () => {
    const sem = new Semaphore(2);
    const a = await sem.acquire();
    await sem.acquire();
    const order: number[] = [];
    const third = sem.acquire().then(() => order.push(3));
    const fourth = sem.acquire().then(() => order.push(4));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    a();
    a(); // a second release of the same slot is ignored
    await third;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [3]);
    void fourth;
  });
});

describe('backoffDelayMs', () => {
  it('is full jitter under an exponential ceiling', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 };
    assert.equal(backoffDelayMs(policy, 1), 100);
    assert.equal(backoffDelayMs(policy, 2), 200);
    assert.equal(backoffDelayMs(policy, 3), 400);
    assert.equal(backoffDelayMs(policy, 10), 999);
    assert.equal(backoffDelayMs({ ...policy, random: () => 0 }, 3), 0);
  });
});
