// Fast subset of the reliability suite (`npm run chaos` runs all of it), scenario 3: Visitor answering
// errors, 429s, hangs, drops and lost answers, at a small size in its own isolated stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCENARIOS } from '../../dev/chaos/scenarios';

const USERS = 1_500;

test('chaos 3: Visitor with 5xx, 429, hangs, drops and lost answers — invariants hold', {
  timeout: 600_000,
}, async () => {
  const r = await SCENARIOS[3]!.run({ seed: 'fast-3', users: USERS });
  assert.deepEqual(r.problems.slice(0, 20), [], r.statuses);
});
