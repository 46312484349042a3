// Step-by-step control of concurrent fakes in engine and activity tests: a gate a fake waits at until
// the test opens it, and a wait until a condition holds (a macrotask at a time).
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';

export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** Waits until `cond` holds, a macrotask at a time. */
export async function until(cond: () => boolean) {
  for (let i = 0; i < 1000 && !cond(); i++) await tick();
  assert.ok(cond(), 'condition never held');
}
