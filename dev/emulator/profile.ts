/**
 * Emulator profiles. `loopback` (the default) answers as fast as it can. `realistic` plays a
 * Visitor reached over the internet: every SCIM answer is delayed by a latency drawn uniformly
 * from a range (100–300 ms by default), and each company (bearer token) has its own request
 * budget, a strict sliding window decided when a request arrives (10 requests per second by
 * default), refused with `429` and `Retry-After`.
 */
import { z } from 'zod';

export type ProfileName = 'loopback' | 'realistic';

export interface LatencyRange {
  min: number;
  max: number;
}

export const DEFAULT_REALISTIC_LATENCY: LatencyRange = { min: 100, max: 300 };
export const DEFAULT_REALISTIC_RATE_LIMIT = 10;

const LatencySchema = z
  .strictObject({ min: z.number().min(0).max(60_000), max: z.number().min(0).max(60_000) })
  .refine((l) => l.min <= l.max, 'min must not exceed max');

const RealisticSchema = z.strictObject({
  name: z.literal('realistic'),
  latencyMs: LatencySchema.default(DEFAULT_REALISTIC_LATENCY),
  /** Requests per second per company; `null` turns the limiter off. */
  rateLimitPerSecond: z.number().positive().max(1_000_000).nullable().default(DEFAULT_REALISTIC_RATE_LIMIT),
});

/** `'realistic'` takes the defaults; the object form tunes them. */
export type ProfileInput = ProfileName | z.input<typeof RealisticSchema>;

export interface ResolvedProfile {
  name: ProfileName;
  /** Added to every SCIM answer; undefined = none. */
  latencyMs: LatencyRange | undefined;
  /** Per-company limit; undefined = none. */
  rateLimitPerSecond: number | undefined;
}

export function resolveProfile(input: ProfileInput | undefined): ResolvedProfile {
  if (input === undefined || input === 'loopback') {
    return { name: 'loopback', latencyMs: undefined, rateLimitPerSecond: undefined };
  }
  const parsed = RealisticSchema.safeParse(input === 'realistic' ? { name: 'realistic' } : input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`profile${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message}`);
  }
  const { latencyMs, rateLimitPerSecond } = parsed.data;
  return { name: 'realistic', latencyMs, rateLimitPerSecond: rateLimitPerSecond ?? undefined };
}

export function drawLatency(range: LatencyRange | undefined, random: () => number = Math.random): number {
  return range ? range.min + random() * (range.max - range.min) : 0;
}

/** A FIFO of timestamps (ms) with amortised O(1) push and prune. */
export class TimeQueue {
  private items: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  get first(): number | undefined {
    return this.items[this.head];
  }

  push(t: number): void {
    this.items.push(t);
  }

  /** Drops every timestamp ≤ t. */
  dropUpTo(t: number): void {
    while (this.head < this.items.length && this.items[this.head]! <= t) this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * A strict sliding window: a request is refused when accepting it would put more than
 * `capacity` accepted requests within the last `windowMs`. For a limit L ≥ 1 per second the
 * window is 1 s holding ⌊L⌋ (so no 1-second window ever holds more than L); below 1 per second
 * it is 1/L s holding one request. Any interval of T ms then holds at most
 * capacity × ⌈T / windowMs⌉ accepted requests.
 */
export class SlidingWindowLimiter {
  readonly windowMs: number;
  readonly capacity: number;
  private readonly accepted = new TimeQueue();

  constructor(readonly perSecond: number) {
    if (!(perSecond > 0)) throw new Error('a rate limit must be positive');
    if (perSecond >= 1) {
      this.windowMs = 1000;
      this.capacity = Math.floor(perSecond);
    } else {
      this.windowMs = 1000 / perSecond;
      this.capacity = 1;
    }
  }

  /** Accepts (and counts) a request arriving at `now` (ms, monotonic), or returns whole seconds (≥ 1) until the window frees. */
  take(now: number): number | undefined {
    this.accepted.dropUpTo(now - this.windowMs);
    if (this.accepted.length < this.capacity) {
      this.accepted.push(now);
      return undefined;
    }
    // The oldest accepted request leaves the window at first + windowMs.
    const frees = (this.accepted.first ?? now) + this.windowMs;
    return Math.max(1, Math.ceil((frees - now) / 1000));
  }
}

/** Counts events and the most that fell in any sliding 1-second window. */
export class PeakCounter {
  count = 0;
  peak = 0;
  private readonly recent = new TimeQueue();

  add(now: number): void {
    this.count++;
    this.recent.dropUpTo(now - 1000);
    this.recent.push(now);
    if (this.recent.length > this.peak) this.peak = this.recent.length;
  }
}
