// Bounded concurrency over a list, for work whose items are independent and idempotent.

/**
 * Steps (users, locations, deletions) a run keeps in flight per Visitor request slot. A step also
 * waits for its state row's group commit (state-store.ts); with twice as many steps as request
 * slots, others keep Visitor busy meanwhile, and the client's semaphore still bounds the requests.
 */
export const STEPS_PER_REQUEST_SLOT = 2;

/**
 * Runs fn over items with at most `limit` in flight. After the first failure no further item starts;
 * it settles once every started item has, rejecting with that first failure — so a caller never
 * returns while some of its writes are still under way.
 */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  });
  await Promise.all(lanes);
  if (failed) throw failure;
}
