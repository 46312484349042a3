// The realistic profile's building blocks, on a clock the test controls: the sliding-window
// limiter and the peak counter behind /_admin/stats.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeakCounter, resolveProfile, SlidingWindowLimiter } from '../../dev/emulator/profile';

/** mulberry32, so a failing case can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most timestamps in any half-open window (t - span, t]. */
function maxInWindow(times: number[], span: number): number {
  let most = 0;
  let from = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[from]! <= times[i]! - span) from++;
    most = Math.max(most, i - from + 1);
  }
  return most;
}

describe('sliding-window rate limiter', () => {
  it('accepts the limit within a second, refuses the next with the seconds until the window frees', () => {
    const limiter = new SlidingWindowLimiter(5);
    for (const t of [0, 1, 2, 3, 4]) assert.equal(limiter.take(t), undefined, `t=${t}`);
    assert.equal(limiter.take(5), 1);
    assert.equal(limiter.take(999), 1);
    // t=0 leaves the window at 1000 exactly: (now - 1000, now] holds 1, 2, 3, 4.
    assert.equal(limiter.take(1000), undefined);
    assert.equal(limiter.take(1000.5), 1, 't=1 is still inside the window');
    assert.equal(limiter.take(1001), undefined);
  });

  it('a decimal limit above 1 holds its whole part per second; below 1 a window of 1/limit s holds one', () => {
    const twoAndHalf = new SlidingWindowLimiter(2.5);
    assert.deepEqual([twoAndHalf.windowMs, twoAndHalf.capacity], [1000, 2]);
    assert.deepEqual(
      [0, 10, 20].map((t) => twoAndHalf.take(t)),
      [undefined, undefined, 1],
    );

    const half = new SlidingWindowLimiter(0.5);
    assert.deepEqual([half.windowMs, half.capacity], [2000, 1]);
    assert.equal(half.take(0), undefined);
    assert.equal(half.take(1), 2, 'Retry-After rounds 1999 ms up to 2 s');
    assert.equal(half.take(1500), 1);
    assert.equal(half.take(1999), 1);
    assert.equal(half.take(2000), undefined);

    const slow = new SlidingWindowLimiter(0.3);
    assert.equal(slow.take(0), undefined);
    assert.equal(slow.take(0), 4, '3333 ms → 4 s');
    assert.throws(() => new SlidingWindowLimiter(0));
  });

  for (const limit of [0.3, 0.5, 1, 2.5, 5, 10, 37]) {
    it(`random arrivals at limit ${limit}: no window holds more than allowed, and Retry-After is enough`, () => {
      const random = seeded(Math.round(limit * 100));
      const limiter = new SlidingWindowLimiter(limit);
      const accepted: number[] = [];
      let now = 0;
      for (let i = 0; i < 5_000; i++) {
        // bursts and gaps: mostly a few ms apart, sometimes up to 1.5 s
        now += random() < 0.05 ? random() * 1500 : random() * (400 / Math.max(1, limit));
        const retry = limiter.take(now);
        if (retry === undefined) {
          accepted.push(now);
          continue;
        }
        assert.ok(Number.isInteger(retry) && retry >= 1, `retry ${retry}`);
        // The window is full now; after `retry` seconds its oldest member has left it.
        const inWindow = accepted.filter((t) => t > now - limiter.windowMs);
        assert.equal(inWindow.length, limiter.capacity);
        assert.ok(inWindow[0]! + limiter.windowMs <= now + retry * 1000);
        assert.ok(retry * 1000 < inWindow[0]! + limiter.windowMs - now + 1000, 'and not a whole second more');
      }
      assert.ok(accepted.length > 50, 'the run exercised the limiter');
      if (limit >= 1) assert.ok(maxInWindow(accepted, 1000) <= limit, 'no 1-second window exceeds the limit');
      for (const k of [1, 2, 3, 5]) {
        assert.ok(
          maxInWindow(accepted, k * limiter.windowMs) <= k * limiter.capacity,
          `k=${k}: ${maxInWindow(accepted, k * limiter.windowMs)} > ${k * limiter.capacity}`,
        );
      }
    });
  }
});

describe('peak counter', () => {
  it('counts everything and the most in any sliding second', () => {
    const counter = new PeakCounter();
    for (const t of [0, 100, 200, 999, 1000, 1500, 2600]) counter.add(t);
    assert.equal(counter.count, 7);
    assert.equal(counter.peak, 4);
  });

  it('matches a brute-force count over 50,000 random arrivals', () => {
    const random = seeded(11);
    const counter = new PeakCounter();
    const times: number[] = [];
    let now = 0;
    for (let i = 0; i < 50_000; i++) {
      now += random() < 0.001 ? 2000 : random() * 3;
      times.push(now);
      counter.add(now);
    }
    assert.equal(counter.count, 50_000);
    assert.equal(counter.peak, maxInWindow(times, 1000));
  });
});

describe('profile resolution', () => {
  it('loopback by default; realistic takes 100–300 ms and 10 requests/s unless tuned', () => {
    assert.deepEqual(resolveProfile(undefined), {
      name: 'loopback',
      latencyMs: undefined,
      rateLimitPerSecond: undefined,
    });
    assert.deepEqual(resolveProfile('realistic'), {
      name: 'realistic',
      latencyMs: { min: 100, max: 300 },
      rateLimitPerSecond: 10,
    });
    assert.deepEqual(
      resolveProfile({ name: 'realistic', latencyMs: { min: 0, max: 0 }, rateLimitPerSecond: null }),
      { name: 'realistic', latencyMs: { min: 0, max: 0 }, rateLimitPerSecond: undefined },
    );
    assert.throws(
      () => resolveProfile({ name: 'realistic', latencyMs: { min: 300, max: 100 } }),
      /profile\.latencyMs: min must not exceed max/,
    );
    assert.throws(() => resolveProfile({ name: 'realistic', rateLimitPerSecond: 0 }), /rateLimitPerSecond/);
  });
});
