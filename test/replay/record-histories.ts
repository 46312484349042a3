// Records real histories of every workflow as replay fixtures: `npx tsx test/replay/record-histories.ts`
// (needs the stack: `npm run stack:up`). When a workflow changes, keep the old files (rename them
// *.vN.json) so the versioned (patched) paths stay covered, and record the current behaviour anew.
// It ends with record-continue-as-new.ts (a run that really continues as new, one file per execution)
// and record-provision-user-continues-as-new.ts (a per-user workflow past its cap of passes), and
// record-deletion-guard.ts (the branches of the deletion guard, stop and cancel), and
// record-scale-out.ts (pages on their own queue, returning at a time budget, across continue-as-new),
// and record-tenant-run.ts (a tenant's run: its header, search attribute and fairness key).

import type { WorkflowHandle } from '@temporalio/client';
import type { RunProgress } from '../../workflows/types';
import { addLocations, addUsers, softDelete } from '../support/engage-fixtures';
import { createStackCheckWorker } from '../support/stack-check/worker';
import { SyncHarness } from '../support/sync-harness';
import { TEST_NAMESPACE, workerConnection } from '../support/temporal';
import { recordContinueAsNew } from './record-continue-as-new';
import { recordDeletionGuard } from './record-deletion-guard';
import { recordPlanningFailure } from './record-planning-failure';
import { recordProvisionUser } from './record-provision-user';
import { recordProvisionUserContinuesAsNew } from './record-provision-user-continues-as-new';
import { recordReviewedPlan } from './record-reviewed-plan';
import { recordScaleOut } from './record-scale-out';
import { recordTenantRun } from './record-tenant-run';
import { showHistory, writeHistory } from './save-history';

async function save(name: string, handle: WorkflowHandle) {
  await handle.result().catch(() => undefined);
  writeHistory(name, handle.workflowId, showHistory(handle.workflowId));
}

const h = await SyncHarness.create('record', {
  env: { SYNC_DELETE_THRESHOLD_PERCENT: '10', SYNC_PAGE_SIZE: '5', SYNC_INVITATIONS: 'send' },
});
const suffix = Date.now().toString(36);
try {
  await addLocations(h.engage.db, ['Amsterdam', 'Utrecht']);
  const ids = await addUsers(
    h.engage.db,
    Array.from({ length: 12 }, (_, i) => ({ userType: i === 0 ? 'global_admin' : 'regular' })),
  );
  await addUsers(h.engage.db, [{ username: 'nomail', email: null }]);
  await h.startWorker();
  const start = (workflowId: string, args: unknown[]) =>
    h.client.workflow.start('syncRunWorkflow', { taskQueue: h.taskQueue, workflowId, args });

  // Initial sync with delayed invitations (starts the invitations child), released early.
  const initial = await start(`replay-initial-${suffix}`, [
    { kind: 'initial', startedBy: 'recorder', invitations: { mode: 'delay', delayMs: 3_600_000 } },
  ]);
  await save('sync-run-initial', initial);
  const invitations = h.client.workflow.getHandle(`invitations-replay-initial-${suffix}`);
  await invitations.signal('releaseInvitations', { by: 'recorder' });
  await save('invitations-released', invitations);

  // Daily run whose deletions exceed the threshold: waits, then an operator approves.
  await softDelete(h.engage.db, ids.slice(1, 4));
  const daily = await start(`replay-daily-approve-${suffix}`, [{ kind: 'daily', startedBy: 'recorder' }]);
  for (;;) {
    const p = await daily.query<RunProgress>('progress');
    if (p.phase === 'awaiting-approval') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await daily.executeUpdate('decideDeletions', { args: [{ approve: true, by: 'recorder' }] });
  await save('sync-run-daily-approved', daily);

  // A dry run and a refused concurrent start.
  await save(
    'sync-run-dry',
    await start(`replay-dry-${suffix}`, [{ kind: 'daily', startedBy: 'recorder', dryRun: true, full: true }]),
  );

  // Cancelled invitations.
  await addUsers(h.engage.db, [{}]);
  const withInvites = await start(`replay-daily-invites-${suffix}`, [
    { kind: 'daily', startedBy: 'recorder', invitations: { mode: 'delay', delayMs: 3_600_000 } },
  ]);
  await withInvites.result();
  const cancel = h.client.workflow.getHandle(`invitations-replay-daily-invites-${suffix}`);
  await cancel.signal('cancelInvitations', { by: 'recorder' });
  await save('invitations-cancelled', cancel);
  // A stopped run, then a run with a history budget (and names the stopped one in its memo). Its
  // three pages finish inside the budget: record-continue-as-new.ts records a run that continues as new.
  const stopped = await start(`replay-stopped-${suffix}`, [{ kind: 'daily', startedBy: 'recorder' }]);
  await stopped.signal('stop', { by: 'recorder', reason: 'recording' });
  await save('sync-run-stopped', stopped);
  await save(
    'sync-run-continued',
    await start(`replay-continued-${suffix}`, [
      { kind: 'daily', startedBy: 'recorder', full: true, historyBudget: 40 },
    ]),
  );
  // The stack check is test support: a worker of the test bundle on its own task queue runs it.
  const connection = await workerConnection();
  const taskQueue = `${h.taskQueue}-stack-check`;
  const stackCheckWorker = await createStackCheckWorker({
    connection,
    namespace: TEST_NAMESPACE,
    taskQueue,
    syncDb: h.sync.db,
  });
  try {
    await stackCheckWorker.runUntil(async () =>
      save(
        'stack-check',
        await h.client.workflow.start('stackCheckWorkflow', {
          taskQueue,
          workflowId: `replay-stack-check-${suffix}`,
        }),
      ),
    );
  } finally {
    await connection.close();
  }
} finally {
  await h.close();
}
await recordContinueAsNew();
await recordProvisionUser();
await recordProvisionUserContinuesAsNew();
await recordPlanningFailure();
await recordDeletionGuard();
await recordScaleOut();
await recordTenantRun();
await recordReviewedPlan();
