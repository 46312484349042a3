// The operator's tools on real runs: the provisioning log answers for one user across runs (by
// Engage id or e-mail), `watch` follows a run to its summary, `plan` reads a dry run's plan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliContext } from '../../clients/context';
import { logEntries, planSummary } from '../../clients/runs';
import { statusCommand } from '../../clients/sync/status';
import { watchRun } from '../../clients/watch';
import { captureStdout } from '../support/capture-stdout';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

test('log for one user across two runs, watch to the summary, and the plan of a dry run', async () => {
  const h = await SyncHarness.create('operator');
  const ctx = cliContext(h.config);
  try {
    await addLocations(h.engage.db, ['Porto']);
    const [ana] = await addUsers(h.engage.db, [
      { username: 'ana.silva@example.com', jobTitle: 'Analyst' },
      {},
    ]);
    await h.startWorker();
    const first = await h.runSync({ kind: 'initial' });
    await h.engage.db
      .updateTable('engage.users')
      .set({ job_title: 'Lead Analyst' })
      .where('id', '=', ana!)
      .execute();

    // watch follows the second run to its end and prints the summary.
    const id = h.newRunId('daily');
    await h.startSync({ kind: 'daily' }, id);
    const watched = await captureStdout(() => watchRun(ctx, id));
    assert.equal(watched.value, 0, 'exit code 0 for a completed run');
    assert.match(watched.out, new RegExp(`Run ${id}: completed`));
    assert.match(watched.out, /updated 1/);

    for (const who of [String(ana), 'ANA.SILVA@example.com']) {
      const entries = await logEntries(ctx.db(), { user: who, limit: 10 });
      assert.deepEqual(
        entries.map((e) => [e.run_id, e.action, e.outcome]),
        [
          [id, 'update', 'updated'],
          [first.runId, 'create', 'created'],
        ],
        `log for ${who}`,
      );
      assert.deepEqual(entries[0]!.attributes, ['title']);
    }

    // A dry run's plan, as `plan <run>` shows it.
    await addUsers(h.engage.db, [{}, {}]);
    const dry = await h.runSync({ kind: 'daily', dryRun: true });
    assert.deepEqual(await planSummary(ctx.db(), dry.runId), [{ action: 'create', count: 2 }]);
  } finally {
    await ctx.close();
    await h.close();
  }
});

test('status says a run terminated from the Temporal UI ended, not that it is still running', async () => {
  const h = await SyncHarness.create('operator_terminated');
  const ctx = cliContext(h.config);
  try {
    await addUsers(
      h.engage.db,
      Array.from({ length: 20 }, () => ({})),
    );
    await h.setFaults({ latencyMs: { min: 200, max: 200 }, routes: ['POST /Users'] });
    await h.startWorker();
    const handle = await h.startSync({ kind: 'initial' });
    await h.waitForVisitorUsers(1);
    await handle.terminate('operator terminated it in the UI');
    const { out } = await captureStdout(() =>
      statusCommand.run({ values: {}, positionals: [], help: false }, () => ctx),
    );
    const line = out.split('\n').find((l) => l.includes(handle.workflowId.slice(0, 30)));
    assert.ok(line, out);
    assert.match(line, /ended \(terminated in Temporal\)/);
  } finally {
    await ctx.close();
    await h.close();
  }
});
