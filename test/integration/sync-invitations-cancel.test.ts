// Held invitations cancelled while they are being sent, over the real stack: the operator's
// `invitations cancel` stops the sending between two sends, the rest are cancelled in the sync state,
// and the CLI says how many were sent before the cancel took effect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliContext } from '../../clients/context';
import { invitationsCancelCommand } from '../../clients/sync/invitations';
import { createWorker } from '../../temporal/worker';
import type { InvitationsResult } from '../../workflows/types';
import { captureStdout } from '../support/capture-stdout';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { TEST_NAMESPACE, workerConnection } from '../support/temporal';

const TOTAL = 60;

let h: SyncHarness;
let stopWorker: () => Promise<void> = async () => {};
before(async () => {
  h = await SyncHarness.create('invites_cancel', {
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '100', SYNC_INVITATIONS: 'send' },
  });
  await addLocations(h.engage.db, ['Lyon']);
  // The production workflows and activities; only the heartbeat throttle is shorter. A worker hears
  // of a cancel with the next heartbeat it sends, by default every 0.8 × the heartbeat timeout (48 s).
  const connection = await workerConnection();
  const worker = await createWorker({
    connection,
    namespace: TEST_NAMESPACE,
    taskQueue: h.taskQueue,
    deps: { sync: h.built.engine },
    maxConcurrentActivities: 8,
    heartbeatThrottle: '200ms',
  });
  const running = worker.run().finally(() => connection.close());
  stopWorker = async () => {
    worker.shutdown();
    await running;
  };
});
after(async () => {
  await stopWorker();
  await h?.close();
});

test('cancel while the held invitations are being sent: sending stops, the rest are cancelled, the CLI says how many went out', async () => {
  await addUsers(
    h.engage.db,
    Array.from({ length: TOTAL }, () => ({})),
  );
  const run = await h.runSync({ kind: 'initial', invitations: { mode: 'delay', delayMs: 3_600_000 } });
  assert.equal(run.status, 'completed', run.reason);
  assert.equal(run.counts.invitationsPending, TOTAL);
  // A slow Visitor: each invitation takes 100 ms, so the batch takes seconds to send.
  await h.setFaults({ latencyMs: { min: 100, max: 100 }, routes: ['POST /Users/{id}/invitation'] });
  const handle = h.client.workflow.getHandle(run.invitationsWorkflowId!);
  await handle.signal('releaseInvitations', { by: 'test' });
  for (let t = 0; (await h.visitorState()).invitations.length < 5; t++) {
    assert.ok(t < 400, 'the released batch starts sending');
    await sleep(25);
  }

  const ctx = cliContext(h.config);
  let cli: { value: number; out: string };
  try {
    cli = await captureStdout(() =>
      invitationsCancelCommand.run({ values: {}, positionals: [run.runId], help: false }, () => ctx),
    );
  } finally {
    await ctx.close();
  }
  const result = (await handle.result()) as InvitationsResult;
  const invited = (await h.visitorState()).invitations.length;

  assert.equal(result.status, 'cancelled');
  assert.ok(result.sent < TOTAL, `sending stopped (sent ${result.sent} of ${TOTAL})`);
  assert.equal(result.sent, invited, 'the result counts every invitation Visitor received');
  assert.equal(result.sent + result.skipped + result.cancelled, TOTAL);
  const states = await h.sync.db
    .selectFrom('sync.users')
    .select(({ fn }) => ['invitation_status', fn.countAll<string>().as('n')])
    .where('invitation_run_id', '=', run.runId)
    .groupBy('invitation_status')
    .execute();
  assert.deepEqual(
    Object.fromEntries(states.map((s) => [s.invitation_status, Number(s.n)])),
    { sent: result.sent, cancelled: result.cancelled },
    'the rest are cancelled in the sync state, none left pending',
  );
  await sleep(500);
  assert.equal((await h.visitorState()).invitations.length, invited, 'nothing is sent after the cancel');

  assert.equal(cli.value, 0);
  assert.match(
    cli.out,
    new RegExp(
      `${result.sent} invitations? (was|were) sent before the cancel took effect; ${result.cancelled} (is|are) cancelled`,
    ),
  );
});
