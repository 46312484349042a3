// Long runs keep their history bounded: past the budget a run continues as new, carrying its
// cursor and counts, and ends exactly as an uninterrupted run would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedCompany } from '../../dev/engage-generator/seed';
import { checkInvariants } from '../../dev/harness/invariants';
import type { SyncRunResult } from '../../workflows/types';
import { SyncHarness } from '../support/sync-harness';

test('a run continues as new past its history budget and finishes with the same result', async () => {
  const h = await SyncHarness.create('can', { env: { SYNC_PAGE_SIZE: '5' } });
  try {
    const seeded = await seedCompany(h.engage.db, { users: 120, locations: 2, seed: 'can' });
    await h.startWorker();
    const id = h.newRunId('initial');
    const handle = await h.startSync({ historyBudget: 40 }, id);
    const result = (await handle.result()) as SyncRunResult;
    assert.equal(result.status, 'completed', result.reason);
    assert.equal(result.runId, id, 'the run keeps its id across continue-as-new');
    const active = seeded.users - seeded.inactiveUsers;
    assert.equal((result.counts.created ?? 0) + (result.counts.failed ?? 0), active);
    // Several executions under one workflow id, each with a short history.
    const runs: number[] = [];
    for await (const wf of h.client.workflow.list({ query: `WorkflowId = "${id}"` }))
      runs.push(wf.historyLength ?? 0);
    assert.ok(runs.length >= 3, `continued as new ${runs.length - 1} times`);
    assert.ok(
      runs.every((n) => n > 0 && n < 150),
      `every history stays short (${runs.join(', ')} events)`,
    );
    assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true, invitations: 'send' }), []);
  } finally {
    await h.close();
  }
});
