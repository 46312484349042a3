/**
 * Pacing shared by every request of one client: a back-off gate that holds all callers after a
 * 429 with Retry-After (so concurrent activities do not keep hammering a throttled server), and a
 * concurrency limiter that keeps queued requests from burning their time-out while waiting for a
 * socket. The rate limit itself is pacer.ts's.
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
  async pass(signal?: AbortSignal): Promise<number> {
    let waited = 0;
    for (let left = this.remainingMs(); left > 0; left = this.remainingMs()) {
      await sleep(left, undefined, signal ? { signal } : undefined);
      waited += left;
    }
    return waited;
  }
}

/** Limits requests in flight; FIFO within a priority, urgent callers first. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly urgent: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('concurrency must be ≥ 1');
  }

  async acquire(priority: 'urgent' | 'normal' = 'normal'): Promise<() => void> {
    if (this.active >= this.limit)
      await new Promise<void>((resolve) =>
        (priority === 'urgent' ? this.urgent : this.waiting).push(resolve),
      );
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.urgent.shift() ?? this.waiting.shift();
      // Hand the slot straight to the next waiter; `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }
}
