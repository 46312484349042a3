/** Back-off policy of the client's own retries (before Temporal's retries take over). */

export interface RetryPolicy {
  /** Attempts in total, the first included. 1 = no in-client retry. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A Retry-After longer than this is not slept through inside the activity: the error goes to
   * Temporal, which waits via nextRetryDelay without holding a worker slot.
   */
  maxRetryAfterMs: number;
  /** [0, 1) source for jitter; inject a seeded one for deterministic tests. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  random: Math.random,
};

/** Exponential back-off with full jitter: uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(policy.random() * ceiling);
}
