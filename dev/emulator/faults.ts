/**
 * Fault injection, decided before a request touches state (so an injected 429/5xx/drop never
 * mutates anything) — except `errorAfterCommitRate`, which deliberately answers 500 after the
 * write committed, like a response lost on the way back. Random choices come from a seeded
 * PRNG that draws the same number of values per request, so a sequential run is reproducible.
 */
import { z } from 'zod';

export const FaultConfigSchema = z.strictObject({
  seed: z.number().int().default(1),
  latencyMs: z
    .strictObject({ min: z.number().min(0), max: z.number().min(0) })
    .refine((l) => l.min <= l.max, 'min must not exceed max')
    .optional(),
  errorRate: z.number().min(0).max(1).default(0),
  /** Statuses an injected error picks from (evenly); 400 plays a Visitor refusing what it is sent. */
  errorStatuses: z
    .array(z.union([z.literal(400), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]))
    .min(1)
    .default([500, 503]),
  rateLimit: z
    .strictObject({ perSecond: z.number().positive(), burst: z.number().int().positive().optional() })
    .optional(),
  dropRate: z.number().min(0).max(1).default(0),
  hangRate: z.number().min(0).max(1).default(0),
  hangMs: z.number().int().min(0).default(30_000),
  errorAfterCommitRate: z.number().min(0).max(1).default(0),
  /** Route templates the faults apply to, e.g. "POST /Users" or "/Users/{id}" (any method). Default: all. */
  routes: z.array(z.string()).optional(),
});

export type FaultConfig = z.infer<typeof FaultConfigSchema>;
export type FaultConfigInput = z.input<typeof FaultConfigSchema>;

export type FaultDecision =
  | { kind: 'rateLimited'; retryAfterSeconds: number }
  | { kind: 'drop' }
  | { kind: 'hang'; ms: number }
  | { kind: 'error'; status: number }
  | { kind: 'pass'; latencyMs: number; errorAfterCommit: number | undefined };

/** mulberry32: tiny, fast, good enough to make fault sequences reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    burst: number | undefined,
  ) {
    this.capacity = burst ?? Math.max(1, Math.ceil(perSecond));
    this.tokens = this.capacity;
  }

  /** Takes a token, or returns how many seconds until one is available. */
  take(): number | undefined {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

const PASS: FaultDecision = { kind: 'pass', latencyMs: 0, errorAfterCommit: undefined };

export class FaultInjector {
  private cfg: FaultConfig = FaultConfigSchema.parse({});
  private random = seededRandom(1);
  private bucket: TokenBucket | undefined;

  constructor(config: FaultConfigInput = {}) {
    this.configure(config);
  }

  get config(): FaultConfig {
    return this.cfg;
  }

  /** Replaces the configuration; restarts the PRNG from the seed and refills the bucket. */
  configure(input: FaultConfigInput): void {
    this.cfg = FaultConfigSchema.parse(input);
    this.random = seededRandom(this.cfg.seed);
    this.bucket = this.cfg.rateLimit
      ? new TokenBucket(this.cfg.rateLimit.perSecond, this.cfg.rateLimit.burst)
      : undefined;
  }

  private applies(method: string, template: string): boolean {
    const routes = this.cfg.routes;
    return !routes || routes.includes(template) || routes.includes(`${method} ${template}`);
  }

  decide(method: string, template: string, mutating: boolean): FaultDecision {
    if (!this.applies(method, template)) return PASS;
    const c = this.cfg;
    const retryAfter = this.bucket?.take();
    if (retryAfter !== undefined) return { kind: 'rateLimited', retryAfterSeconds: retryAfter };
    // Always draw the same five numbers so one request's outcome never shifts the next one's.
    const [rDrop, rHang, rError, rPick, rAfter] = [
      this.random(),
      this.random(),
      this.random(),
      this.random(),
      this.random(),
    ];
    if (rDrop < c.dropRate) return { kind: 'drop' };
    if (rHang < c.hangRate) return { kind: 'hang', ms: c.hangMs };
    if (rError < c.errorRate) {
      return { kind: 'error', status: c.errorStatuses[Math.floor(rPick * c.errorStatuses.length)] ?? 500 };
    }
    const latency = c.latencyMs ? c.latencyMs.min + rPick * (c.latencyMs.max - c.latencyMs.min) : 0;
    const after = mutating && rAfter < c.errorAfterCommitRate ? 500 : undefined;
    return { kind: 'pass', latencyMs: Math.round(latency), errorAfterCommit: after };
  }
}
