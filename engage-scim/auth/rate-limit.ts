// Token buckets by key (a client, a caller's address): `perSecond` sustained, `burst` at once. In
// memory, per server process. Bounded: keys a flood invents must not grow the map without end, so
// buckets idle long enough to be full again are dropped (a full bucket is the same as none), and
// past `maxKeys` the least recently used one goes.
export interface RateLimit {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  // A Map iterates in insertion order; re-inserting on every use keeps it least recently used first.
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillMs: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.refillMs = (limit.burst / limit.perSecond) * 1000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** 0 when allowed; otherwise the seconds to wait before the next request would be. */
  take(key: string): number {
    const t = this.now();
    this.dropIdle(t);
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: t };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.limit.perSecond));
  }

  /** The least recently used buckets first, while they have refilled: amortised O(1) per take. */
  private dropIdle(t: number): void {
    for (const [key, b] of this.buckets) {
      if (t - b.at < this.refillMs) return;
      this.buckets.delete(key);
    }
  }
}
