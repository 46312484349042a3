// Bounded concurrency over a list, for work whose items are independent and idempotent.

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
