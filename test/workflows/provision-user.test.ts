// provisionUserWorkflow on the real Temporal dev server with stub activities: changes arriving while it
// runs are coalesced into further passes and never dropped — not during a pass, not while the
// invitations child is starting, not past the cap of passes (it continues as new carrying the change).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkerOptions } from '@temporalio/worker';
import { userChangedSignal } from '../../workflows/messages';
import { RUN_STATUS } from '../../workflows/search-attributes';
import type { Outcome, ProvisionUserInput, ProvisionUserResult } from '../../workflows/types';
import { uniqueTaskQueue } from '../support/temporal';
import { heldChildStartBundle } from './support/held-child-start-bundle';
import { stubWorkerSuite } from './support/stub-worker';

interface PassInput {
  runId: string;
  engageUserId: number;
  dryRun: boolean;
}
type PassResult = { outcome: Outcome; invitationDueAtMs: number | null };
/** The stub syncSingleUser: `pass` counts from 1 over the whole chain of executions. */
type SyncSingleUser = (pass: number, workflowId: string) => Promise<PassResult>;

const suite = stubWorkerSuite();

/**
 * Starts the workflow as the Engage SCIM publisher does (signal-with-start of `userChanged`) on a worker
 * with this syncSingleUser, the production bundle unless another is given, and runs `body`.
 */
async function withWorker<T>(
  name: string,
  syncSingleUser: SyncSingleUser,
  body: (workflowId: string, firstRunId: string) => Promise<T>,
  opts: { input?: Partial<ProvisionUserInput>; bundle?: WorkerOptions['workflowBundle'] } = {},
): Promise<{ passes: PassInput[]; result: T }> {
  const taskQueue = uniqueTaskQueue(name);
  const workflowId = `${taskQueue}-user`;
  const passes: PassInput[] = [];
  const worker = await suite.worker(
    taskQueue,
    {
      syncSingleUser: async (input: PassInput) => {
        passes.push(input);
        return syncSingleUser(passes.length, workflowId);
      },
    },
    opts.bundle ? { workflowBundle: opts.bundle } : {},
  );
  const result = await worker.runUntil(async () => {
    const handle = await suite.env.client.workflow.signalWithStart('provisionUserWorkflow', {
      taskQueue,
      workflowId,
      args: [{ engageUserId: 42, startedBy: 'test', ...opts.input } satisfies ProvisionUserInput],
      signal: userChangedSignal,
      signalArgs: [{ source: 'test' }],
    });
    return body(workflowId, handle.signaledRunId);
  });
  return { passes, result };
}

/** A change to the user arrives (the signal is in the history when this resolves). */
const changed = (workflowId: string) =>
  suite.env.client.workflow.getHandle(workflowId).signal(userChangedSignal, { source: 'test' });
/** The result at the end of the chain of executions. */
const resultOf = (workflowId: string) =>
  suite.env.client.workflow.getHandle(workflowId).result() as Promise<ProvisionUserResult>;
// One run of the user's workflow: its workflow id and the first 8 characters of its Temporal run id.
const runIdOf = (workflowId: string, runId: string) => `${workflowId}-${runId.slice(0, 8)}`;

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** The executions of a workflow id, first to last: run id, input, and how each ended. */
async function executions(workflowId: string, firstRunId: string) {
  const chain: { runId: string; input: ProvisionUserInput; end: string; status: string | undefined }[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: History = await suite.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const payload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const last = events.at(-1);
    chain.push({
      runId,
      input: defaultPayloadConverter.fromPayload(payload!),
      end: last?.workflowExecutionContinuedAsNewEventAttributes
        ? 'continued-as-new'
        : last?.workflowExecutionCompletedEventAttributes
          ? 'completed'
          : `event type ${last?.eventType}`,
      status: (
        await suite.env.client.workflow.getHandle(workflowId, runId).describe()
      ).typedSearchAttributes.get(RUN_STATUS),
    });
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return chain;
}

test('a burst of changes during a pass collapses into one more pass', async () => {
  const { passes, result } = await withWorker(
    'burst',
    async (pass, workflowId) => {
      if (pass === 1) for (let i = 0; i < 3; i++) await changed(workflowId);
      return { outcome: pass === 1 ? 'created' : 'unchanged', invitationDueAtMs: null };
    },
    async (workflowId, firstRunId) => ({
      workflowId,
      firstRunId,
      result: await resultOf(workflowId),
    }),
  );
  assert.equal(passes.length, 2);
  assert.deepEqual(result.result, {
    engageUserId: 42,
    runId: runIdOf(result.workflowId, result.firstRunId),
    outcome: 'unchanged',
    passes: 2,
  });
});

test('a change during the last allowed pass is not dropped: past 20 passes the workflow continues as new with it', async () => {
  // Each of the first 20 passes sees a change arrive before it ends: 21 passes are due.
  const { passes, result } = await withWorker(
    'cap',
    async (pass, workflowId) => {
      if (pass <= 20) await changed(workflowId);
      return { outcome: 'updated', invitationDueAtMs: null };
    },
    async (workflowId, firstRunId) => ({
      workflowId,
      result: await resultOf(workflowId),
      chain: await executions(workflowId, firstRunId),
    }),
    { input: { dryRun: true } },
  );
  assert.equal(passes.length, 21, `the change of pass 20 got no pass of its own (${passes.length} passes)`);
  const { workflowId, chain } = result;
  assert.deepEqual(
    chain.map((e) => e.end),
    ['continued-as-new', 'completed'],
  );
  // Listing EvsRunStatus="running" finds neither: the closed execution says it continued.
  assert.deepEqual(
    chain.map((e) => e.status),
    ['continued-as-new', 'completed'],
  );
  const [first, continued] = chain;
  // The continued execution carries ids and flags only, and provisions the pending change.
  assert.deepEqual(continued!.input, {
    engageUserId: 42,
    startedBy: 'test',
    dryRun: true,
    changePending: true,
  });
  assert.deepEqual(
    passes.map((p) => p.runId),
    [...Array(20).fill(runIdOf(workflowId, first!.runId)), runIdOf(workflowId, continued!.runId)],
  );
  assert.ok(passes.every((p) => p.engageUserId === 42 && p.dryRun === true));
  assert.deepEqual(result.result, {
    engageUserId: 42,
    runId: runIdOf(workflowId, continued!.runId),
    outcome: 'updated',
    passes: 1,
  });
});

test('a change arriving while the invitations child is starting gets another pass', async () => {
  // The held-child-start bundle resolves the child's start in the workflow only after a change arrived.
  const bundle = await heldChildStartBundle();
  const dueAtMs = Date.now() + 3_600_000;
  const { passes, result } = await withWorker(
    'child',
    async (pass) =>
      pass === 1
        ? { outcome: 'created', invitationDueAtMs: dueAtMs }
        : { outcome: 'unchanged', invitationDueAtMs: null },
    async (workflowId, firstRunId) => {
      const child = suite.env.client.workflow.getHandle(`invitations-${runIdOf(workflowId, firstRunId)}`);
      // The child is started: the parent waits for its start to resolve. Then the change arrives.
      for (let i = 0; ; i++) {
        const started = await child.describe().then(
          () => true,
          () => false,
        );
        if (started) break;
        assert.ok(i < 200, 'the invitations child never started');
        await sleep(50);
      }
      await changed(workflowId);
      const r = await resultOf(workflowId);
      const chain = await executions(workflowId, firstRunId);
      await child.terminate('test over');
      return { r, chain, runId: runIdOf(workflowId, firstRunId) };
    },
    { bundle },
  );
  assert.equal(
    passes.length,
    2,
    `the change that arrived while the child started got no pass (${passes.length} passes)`,
  );
  assert.deepEqual(
    result.chain.map((e) => e.end),
    ['completed'],
  );
  assert.deepEqual(result.r, { engageUserId: 42, runId: result.runId, outcome: 'unchanged', passes: 2 });
});
