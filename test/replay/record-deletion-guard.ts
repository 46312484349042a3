// Records the branches issue 14 added to the workflows, one fixture each: a run that holds its
// deletions past the budget and starts a decision ('deletions-never-wait'), that decision approved
// and another expired, a per-user deletion held ('per-user-deletion-guard'), a stop that cancels the
// pages in flight ('stop-cancels-pages'), a run cancelled from the UI ('cancel-finishes-run'), and a
// run that continues as new, then is stopped while it waits to ('stop-before-continue-as-new'). Run
// alone with `npx tsx test/replay/record-deletion-guard.ts` (needs the stack); record-histories.ts
// runs it too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers, softDelete } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { executionChain } from './execution-chain';
import { showHistory, writeHistory } from './save-history';

async function save(name: string, handle: WorkflowHandle): Promise<void> {
  await handle.result().catch(() => undefined);
  writeHistory(name, handle.workflowId, showHistory(handle.workflowId));
}

export async function recordDeletionGuard(): Promise<void> {
  const suffix = Date.now().toString(36);
  const h = await SyncHarness.create('record_guard', {
    env: {
      SYNC_DELETE_THRESHOLD_PERCENT: '10',
      SYNC_DELETE_THRESHOLD_COUNT: '2',
      SYNC_DELETION_DECISION_TTL: '3s',
      SYNC_PAGE_SIZE: '5',
      VISITOR_SCIM_CONCURRENCY: '2',
    },
  });
  try {
    await addLocations(h.engage.db, ['Amsterdam', 'Utrecht']);
    const ids = await addUsers(
      h.engage.db,
      Array.from({ length: 20 }, () => ({})),
    );
    await h.startWorker();
    const start = (workflowId: string, args: unknown[]) =>
      h.client.workflow.start('syncRunWorkflow', { taskQueue: h.taskQueue, workflowId, args });
    await h.runSync({ kind: 'initial' });

    // Deletions past the budget: held, the run finishes; its decision expires unanswered (3 s).
    await softDelete(h.engage.db, ids.slice(0, 4));
    const held = await start(`replay-deletions-held-${suffix}`, [{ kind: 'daily', startedBy: 'recorder' }]);
    const heldResult = (await held.result()) as SyncRunResult;
    await save('sync-run-deletions-held', held);
    await save(
      'deletion-decision-expired',
      h.client.workflow.getHandle(heldResult.deletions!.decisionWorkflowId!),
    );

    // Held again by the next run, for a new decision, which an operator approves.
    const again = (await h.runSync({ kind: 'daily', full: true })) as SyncRunResult;
    const decision = h.client.workflow.getHandle(again.deletions!.decisionWorkflowId!);
    await decision.executeUpdate('decideDeletions', { args: [{ approve: true, by: 'recorder' }] });
    await save('deletion-decision-approved', decision);

    // A per-user deletion past the budget (one left, two leave at once: one held).
    await h.engage.db
      .updateTable('engage.users')
      .set({ active: false, updated_at: new Date() })
      .where('id', 'in', ids.slice(4, 7))
      .execute();
    const users = await Promise.all(
      ids.slice(4, 7).map((id) =>
        h.client.workflow.start('provisionUserWorkflow', {
          taskQueue: h.taskQueue,
          workflowId: `replay-provision-user-held-${id}-${suffix}`,
          args: [{ engageUserId: id, startedBy: 'recorder' }],
        }),
      ),
    );
    const outcomes = await Promise.all(users.map((u) => u.result() as Promise<{ outcome: string }>));
    const heldUser = users[outcomes.findIndex((o) => o.outcome === 'held')];
    if (!heldUser) throw new Error(`no per-user deletion was held: ${outcomes.map((o) => o.outcome).join()}`);
    await save('provision-user-deletion-held', heldUser);

    // A stop while pages are in flight (slow creates), and a run cancelled from the UI.
    await addUsers(
      h.engage.db,
      Array.from({ length: 30 }, () => ({})),
    );
    await h.setFaults({ latencyMs: { min: 300, max: 300 }, routes: ['POST /Users'] });
    const before = (await h.visitorState()).users.length;
    const stopped = await start(`replay-stop-pages-${suffix}`, [{ kind: 'daily', startedBy: 'recorder' }]);
    await h.waitForVisitorUsers(before + 2);
    await stopped.signal('stop', { by: 'recorder', reason: 'recording' });
    await save('sync-run-stop-cancels-pages', stopped);
    await addUsers(
      h.engage.db,
      Array.from({ length: 30 }, () => ({})),
    );
    const now = (await h.visitorState()).users.length;
    const cancelled = await start(`replay-cancelled-${suffix}`, [
      { kind: 'daily', startedBy: 'recorder', invitations: { mode: 'delay', delayMs: 3_600_000 } },
    ]);
    await h.waitForVisitorUsers(now + 2);
    await cancelled.cancel();
    await save('sync-run-cancelled', cancelled);
    await h.setFaults({});

    // A run that continues as new with every patch of today in its history (one user a page).
    const chainId = `replay-continues-as-new-guard-${suffix}`;
    const chained = await start(chainId, [
      { kind: 'daily', startedBy: 'recorder', full: true, pageSize: 2, historyBudget: 40 },
    ]);
    await chained.result();
    const chain = executionChain(chainId, chained.firstExecutionRunId);
    if (chain.length < 2) throw new Error(`the run did not continue as new (${chain.length} execution)`);
    chain.forEach((history, i) => {
      writeHistory(
        `sync-run-guard-continues-as-new.${i === 0 ? 'first' : `continued-${i}`}`,
        chainId,
        history,
      );
    });
  } finally {
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordDeletionGuard();
}
