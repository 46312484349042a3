// Records the branches issue 15 added to syncRunWorkflow ('pages-scale-out'): pages on the page task
// queue, each returning at a short time budget with the rest of its range scheduled again, in a run
// that continues as new carrying those rests. Run alone with `npx tsx test/replay/record-scale-out.ts`
// (needs the stack); record-histories.ts runs it too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { executionChain } from './execution-chain';
import { writeHistory } from './save-history';

export async function recordScaleOut(): Promise<void> {
  const suffix = Date.now().toString(36);
  // One request slot (two users in flight a page) and slow creates: a page's budget ends mid-range.
  const h = await SyncHarness.create('record_scale_out', { env: { VISITOR_SCIM_CONCURRENCY: '1' } });
  try {
    await addLocations(h.engage.db, ['Rotterdam']);
    await addUsers(
      h.engage.db,
      Array.from({ length: 24 }, () => ({})),
    );
    await h.setFaults({ latencyMs: { min: 150, max: 150 }, routes: ['POST /Users'] });
    await h.startWorker();
    const chainId = `replay-scale-out-${suffix}`;
    const handle = await h.client.workflow.start('syncRunWorkflow', {
      taskQueue: h.taskQueue,
      workflowId: chainId,
      args: [
        { kind: 'initial', startedBy: 'recorder', pageSize: 8, pageTimeBudgetMs: 300, historyBudget: 60 },
      ],
    });
    const result = (await handle.result()) as SyncRunResult;
    if (result.status !== 'completed') throw new Error(`the run ended ${result.status}: ${result.reason}`);
    const chain = executionChain(chainId, handle.firstExecutionRunId);
    if (chain.length < 2) throw new Error(`the run did not continue as new (${chain.length} execution)`);
    const inputOf = (history: (typeof chain)[number]) => {
      const data = (
        history.events[0] as {
          workflowExecutionStartedEventAttributes?: { input?: { payloads?: { data?: string }[] } };
        }
      ).workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      return data ? Buffer.from(data, 'base64').toString('utf8') : '';
    };
    const carried = chain.slice(1).some((history) => inputOf(history).includes('"rests"'));
    if (!carried) throw new Error('no continued execution carried the rest of a page');
    chain.forEach((history, i) => {
      writeHistory(`sync-run-scale-out.${i === 0 ? 'first' : `continued-${i}`}`, chainId, history);
    });
  } finally {
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordScaleOut();
}
