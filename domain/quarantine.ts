// When a user whose writes keep failing is tried again: the first failures are retried on the next
// run, then the user is quarantined with a back-off that doubles each failure, up to a week.

/** Consecutive failures before back-off starts. */
export const QUARANTINE_AFTER = 3;
/** The first back-off, and the longest. */
export const BACKOFF_BASE_MS = 86_400_000;
export const BACKOFF_MAX_MS = 7 * 86_400_000;

/** How long after its latest failure a user with `failureCount` consecutive failures is tried again. */
export function nextAttemptDelayMs(failureCount: number): number {
  if (failureCount < QUARANTINE_AFTER) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failureCount - QUARANTINE_AFTER));
}
