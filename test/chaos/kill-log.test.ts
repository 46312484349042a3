// Issue 14, defect 11: the worker SIGKILLed mid-page. Before the fix, the users a dead attempt created
// had no log entry (entries were buffered, states saved at once) and the run's counts came from the
// retried attempt only, which found those users "unchanged". The invariants now include "the
// provisioning log and the run's counts match what Visitor received" (dev/harness/invariants.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCENARIOS } from '../../dev/chaos/scenarios';

test('worker SIGKILLed mid-page: every user Visitor received is logged and counted', {
  timeout: 600_000,
}, async () => {
  const r = await SCENARIOS[1]!.run({ seed: 'log-1', users: 600, kills: 1, visitorLatencyMs: 40 });
  assert.equal(r.injected, '1 SIGKILL');
  assert.deepEqual(r.problems.slice(0, 20), [], r.statuses);
});
