// Fast subset of the reliability suite (`npm run chaos` runs all of it), scenario 1: the worker
// SIGKILLed mid-run and restarted, at a small size in its own isolated stack. Invariants, no timings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCENARIOS } from '../../dev/chaos/scenarios';

const USERS = 1_500;

test('chaos 1: worker SIGKILLed twice during an initial sync — invariants hold', {
  timeout: 600_000,
}, async () => {
  // 60–120 ms per Visitor request keeps the small run long enough for both kills to land mid-run.
  const r = await SCENARIOS[1]!.run({ seed: 'fast-1', users: USERS, kills: 2, visitorLatencyMs: 60 });
  assert.deepEqual(r.problems.slice(0, 20), [], r.statuses);
  assert.equal(r.injected, '2 SIGKILL');
});
