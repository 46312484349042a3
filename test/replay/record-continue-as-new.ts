// Records a syncRunWorkflow that really continues as new, one fixture per execution of the chain:
// `sync-run-continues-as-new.first.json` (ends in WorkflowExecutionContinuedAsNew), then
// `sync-run-continues-as-new.continued.json` (starts from the carried input), and
// `….continued-2.json`, … if the chain is longer. Run alone with
// `npx tsx test/replay/record-continue-as-new.ts` (needs the stack: `npm run stack:up`); it writes
// only these files. record-histories.ts runs it too.
//
// The invitationsWorkflow continues as new only past 4,000 events (500 invitations a page, so some
// 300k held invitations) or when the server suggests it: too dear to record.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyncRunInput } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { executionChain } from './execution-chain';
import { writeHistory } from './save-history';

const NAME = 'sync-run-continues-as-new';

export async function recordContinueAsNew(): Promise<void> {
  // One user a page and a 40-event budget: each execution has room for a few pages only.
  const h = await SyncHarness.create('record_can');
  const suffix = Date.now().toString(36);
  try {
    await addLocations(h.engage.db, ['Amsterdam', 'Utrecht']);
    await addUsers(
      h.engage.db,
      Array.from({ length: 14 }, (_, i) => ({ userType: i === 0 ? 'global_admin' : 'regular' })),
    );
    await h.startWorker();
    const workflowId = `replay-continues-as-new-${suffix}`;
    // An initial run with delayed invitations: the carried policy starts the invitations child.
    const input: SyncRunInput = {
      kind: 'initial',
      startedBy: 'recorder',
      pageSize: 1,
      historyBudget: 40,
      invitations: { mode: 'delay', delayMs: 3_600_000 },
    };
    const handle = await h.client.workflow.start('syncRunWorkflow', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [input],
    });
    await handle.result();

    const chain = executionChain(workflowId, handle.firstExecutionRunId);
    if (chain.length < 2) throw new Error(`the run did not continue as new (${chain.length} execution)`);
    chain.forEach((history, i) => {
      const part = i === 0 ? 'first' : i === 1 ? 'continued' : `continued-${i}`;
      writeHistory(`${NAME}.${part}`, workflowId, history);
    });

    // The held invitations are not part of these fixtures: cancel them.
    const invitations = h.client.workflow.getHandle(`invitations-${workflowId}`);
    await invitations.signal('cancelInvitations', { by: 'recorder' });
    await invitations.result();
  } finally {
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordContinueAsNew();
}
