import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from '../../scim/retry';
import { BackoffGate, Semaphore } from '../../scim/throttle';

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

describe('Semaphore: urgent callers', () => {
  it('hands a freed slot to an urgent caller before normal ones that waited longer', async () => {
    const s = new Semaphore(1);
    const order: string[] = [];
    const first = await s.acquire();
    const normal = s.acquire('normal').then((r) => {
      order.push('normal');
      r();
    });
    const urgent = s.acquire('urgent').then((r) => {
      order.push('urgent');
      r();
    });
    first();
    await Promise.all([normal, urgent]);
    assert.deepEqual(order, ['urgent', 'normal']);
  });
});
