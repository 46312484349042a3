// Records a provisionUserWorkflow that continues as new past its cap of passes with a change pending,
// one fixture per execution: `provision-user-continues-as-new.first.json` (the invitations child
// started by the drain, then WorkflowExecutionContinuedAsNew) and `….continued.json` (starts from the
// carried input, one pass). Stub activities (only the workflow's commands matter to replay): a change
// arrives during each of the first 20 passes. Needs the Temporal dev server only (`npm run stack:up`);
// run alone with `npx tsx test/replay/record-provision-user-continues-as-new.ts`. It writes only these
// files; record-histories.ts runs it too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { ensureWorkflowBundle } from '../../temporal/bundle';
import { userChangedSignal } from '../../workflows/messages';
import type { ProvisionUserInput } from '../../workflows/types';
import { TEST_NAMESPACE, testEnv, uniqueTaskQueue, workerConnection } from '../support/temporal';
import { executionChain } from './execution-chain';
import { type RecordedHistory, writeHistory } from './save-history';

const NAME = 'provision-user-continues-as-new';

export async function recordProvisionUserContinuesAsNew(): Promise<void> {
  const env = await testEnv();
  const connection = await workerConnection();
  const taskQueue = uniqueTaskQueue('record_user_can');
  const workflowId = `replay-provision-user-can-${Date.now().toString(36)}`;
  let passes = 0;
  try {
    const worker = await Worker.create({
      connection,
      namespace: TEST_NAMESPACE,
      taskQueue,
      workflowBundle: { codePath: await ensureWorkflowBundle() },
      activities: {
        syncSingleUser: async () => {
          passes++;
          if (passes <= 20)
            await env.client.workflow.getHandle(workflowId).signal(userChangedSignal, { source: 'recorder' });
          // The first pass creates the user: an invitation falls due (now, so the child sends at once).
          return {
            outcome: passes === 1 ? 'created' : 'updated',
            invitationDueAtMs: passes === 1 ? Date.now() : null,
          };
        },
        sendPendingInvitations: async () => ({ sent: 1, skipped: 0, remaining: 0 }),
      },
    });
    let chain: RecordedHistory[] = [];
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.signalWithStart('provisionUserWorkflow', {
        taskQueue,
        workflowId,
        args: [{ engageUserId: 7, startedBy: 'recorder' } satisfies ProvisionUserInput],
        signal: userChangedSignal,
        signalArgs: [{ source: 'recorder' }],
      });
      await env.client.workflow.getHandle(workflowId).result();
      // The child (started by the drain, before continuing as new) sends at once: let it finish.
      await env.client.workflow
        .getHandle(`invitations-${workflowId}-${handle.signaledRunId.slice(0, 8)}`)
        .result();
      chain = executionChain(workflowId, handle.signaledRunId);
    });
    if (chain.length !== 2) throw new Error(`expected two executions, got ${chain.length}`);
    writeHistory(`${NAME}.first`, workflowId, chain[0]!);
    writeHistory(`${NAME}.continued`, workflowId, chain[1]!);
  } finally {
    await connection.close();
    await env.teardown();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordProvisionUserContinuesAsNew();
}
