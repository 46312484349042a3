/**
 * Pacing shared by every request of one client: a back-off gate that holds all callers after a
 * 429 with Retry-After (so concurrent activities do not keep hammering a throttled server), a
 * token bucket that keeps us under a known rate limit, and a concurrency limiter that keeps
 * queued requests from burning their time-out while waiting for a socket.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Every caller waits until the latest "closed until" instant has passed. */
export class BackoffGate {
  private until = 0;

  /** Closes the gate for `ms` from now; never shortens an earlier, longer closure. */
  closeFor(ms: number, now = Date.now()): void {
    this.until = Math.max(this.until, now + ms);
  }

  /** Milliseconds the gate is still closed. */
  remainingMs(now = Date.now()): number {
    return Math.max(0, this.until - now);
  }

  /** Resolves once the gate is open; re-checks because another 429 may extend it meanwhile. */
  async pass(): Promise<number> {
    let waited = 0;
    for (let left = this.remainingMs(); left > 0; left = this.remainingMs()) {
      await sleep(left);
      waited += left;
    }
    return waited;
  }
}

/**
 * Token bucket with reservations: each caller takes a token now or books the time when one will
 * be there, so callers are served in order and the long-run rate never exceeds `ratePerSecond`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst = 1,
    now = Date.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('maxRequestsPerSecond must be > 0');
    if (!(burst >= 1)) throw new RangeError('burst must be ≥ 1');
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token; returns how long the caller must wait before using it. */
  reserve(now = Date.now()): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.ratePerSecond;
  }

  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait);
  }
}

/** Limits requests in flight; FIFO. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('concurrency must be ≥ 1');
  }

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter; `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }
}
