// syncRunWorkflow on the real Temporal dev server with stub activities (no database, no Visitor): the
// order of its phases, the page window, continue-as-new, deletions through the guard (applied, or held
// for a decision workflow of their own), recorded counts, stop and early failures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { InvitationsResult, SyncRunInput, SyncRunResult } from '../../workflows/types';
import { uniqueTaskQueue } from '../support/temporal';
import { stubWorkerSuite } from './support/stub-worker';

type Input = Record<string, unknown>;
type Stubs = Record<string, (input: Input) => Promise<unknown>>;
interface Call {
  type: string;
  input: Input;
}

const LOCATIONS = {
  created: 1,
  updated: 0,
  unchanged: 2,
  matched: 0,
  awaitingMatch: 0,
  orphaned: 0,
  failed: 0,
};

/** Activities that answer like a healthy run over `boundaries.length + 1` pages; `over` replaces some. */
function stubs(calls: Call[], boundaries: number[], over: Stubs = {}): Stubs {
  const defaults: Stubs = {
    beginRun: async () => ({ status: 'started', invitations: { mode: 'send' }, full: false }),
    syncLocations: async () => ({ defaultLocationId: 'loc-default', counts: LOCATIONS }),
    partitionUsers: async () => ({ boundaries }),
    syncUserPage: async () => ({ processed: 2, counts: { created: 2 } }),
    countPendingInvitations: async () => ({ pending: 0 }),
    adoptOrphanedInvitations: async () => ({ adopted: 0, cancelled: 0, runs: [] }),
    settleDeletions: async () => ({ outcome: 'none' }),
    applyDeletions: async () => ({ applied: 0, counts: {}, remaining: 0 }),
    // The run's record agrees with what the pages reported.
    finishRun: async (input) => ({ counts: input.counts }),
    sendPendingInvitations: async () => ({ sent: 0, skipped: 0, remaining: 0 }),
    cancelPendingInvitations: async () => ({ cancelled: 0 }),
  };
  const all = { ...defaults, ...over };
  return Object.fromEntries(
    Object.entries(all).map(([type, f]) => [
      type,
      async (input: Input) => {
        calls.push({ type, input });
        return f(input);
      },
    ]),
  );
}

const suite = stubWorkerSuite();

/** Runs `body` against a worker of the production bundle with these activities. */
async function withWorker<T>(
  name: string,
  activities: Stubs,
  body: (start: (input: Partial<SyncRunInput>) => Promise<string>, taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueTaskQueue(name);
  const worker = await suite.worker(taskQueue, activities);
  const start = async (input: Partial<SyncRunInput>) => {
    const workflowId = `${taskQueue}-run`;
    await suite.env.client.workflow.start('syncRunWorkflow', {
      taskQueue,
      workflowId,
      args: [{ kind: 'daily', startedBy: 'test', ...input } satisfies SyncRunInput],
    });
    return workflowId;
  };
  return worker.runUntil(body(start, taskQueue));
}

const result = (workflowId: string) =>
  suite.env.client.workflow.getHandle(workflowId).result() as Promise<SyncRunResult>;
const types = (calls: Call[], exclude: string[] = []) =>
  calls.map((c) => c.type).filter((t) => !exclude.includes(t));

test('a run: locations, every page once over the id ranges, invitations held, deletions, finish', async () => {
  const calls: Call[] = [];
  const activities = stubs(calls, [10, 20], {
    beginRun: async () => ({ status: 'started', invitations: { mode: 'delay', delayMs: 1 }, full: true }),
    syncUserPage: async () => ({ processed: 2, counts: { created: 2, invitationsPending: 2 } }),
    countPendingInvitations: async () => ({ pending: 6 }),
    sendPendingInvitations: async () => ({ sent: 6, skipped: 0, remaining: 0 }),
  });
  await withWorker('run', activities, async (start) => {
    const id = await start({ kind: 'initial' });
    const r = await result(id);
    assert.deepEqual(r, {
      runId: id,
      status: 'completed',
      counts: { created: 6, invitationsPending: 6 },
      locations: LOCATIONS,
      deletions: { pending: 0, applied: 0, rejected: 0 },
      invitationsWorkflowId: `invitations-${id}`,
    });
    const invitations = (await suite.env.client.workflow
      .getHandle(`invitations-${id}`)
      .result()) as InvitationsResult;
    assert.deepEqual(invitations, { runId: id, status: 'sent', sent: 6, skipped: 0, cancelled: 0 });
  });
  assert.deepEqual(types(calls, ['sendPendingInvitations']), [
    'beginRun',
    'adoptOrphanedInvitations',
    'syncLocations',
    'partitionUsers',
    'syncUserPage',
    'syncUserPage',
    'syncUserPage',
    'countPendingInvitations',
    'settleDeletions',
    'finishRun',
  ]);
  // The worker may run the three pages in any order; together they cover every id range once.
  const pages = calls.filter((c) => c.type === 'syncUserPage').map((c) => c.input);
  assert.deepEqual(pages.map((p) => `${p.afterId}..${p.upToId}`).sort(), ['10..20', '20..null', 'null..10']);
  assert.ok(pages.every((p) => p.full === true && p.defaultLocationId === 'loc-default'));
  assert.equal(calls.find((c) => c.type === 'finishRun')?.input.status, 'completed');
});

test('past its history budget a run continues as new, keeps no more pages in flight than the page slots, and ends with every page counted once', async () => {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const activities = stubs(
    calls,
    Array.from({ length: 11 }, (_, i) => (i + 1) * 10),
    {
      syncUserPage: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(30);
        inFlight--;
        return { processed: 1, counts: { created: 1 } };
      },
    },
  );
  await withWorker('can', activities, async (start) => {
    const id = await start({ historyBudget: 25 });
    const r = await result(id);
    assert.equal(r.status, 'completed');
    assert.equal(r.runId, id, 'the run keeps its id across continue-as-new');
    assert.deepEqual(r.counts, { created: 12 });
    const executions: number[] = [];
    for await (const wf of suite.env.client.workflow.list({ query: `WorkflowId = "${id}"` }))
      executions.push(wf.historyLength ?? 0);
    assert.ok(executions.length >= 2, `continued as new ${executions.length - 1} times`);
  });
  const afterIds = calls.filter((c) => c.type === 'syncUserPage').map((c) => c.input.afterId);
  assert.equal(afterIds.length, 12);
  assert.equal(new Set(afterIds).size, 12, 'no page ran twice');
  assert.ok(maxInFlight <= 4, `at most the worker's four page slots in flight (saw ${maxInFlight})`);
  assert.equal(
    types(calls).filter((t) => t === 'beginRun').length,
    1,
    'a continued run does not begin again',
  );
});

test('deletions within the budget are applied in batches; the counts are those the run recorded', async () => {
  const calls: Call[] = [];
  const batches = [
    { applied: 2, counts: { deleted: 2 }, remaining: 1 },
    { applied: 1, counts: { deleted: 1 }, remaining: 0 },
  ];
  const activities = stubs(calls, [], {
    settleDeletions: async () => ({ outcome: 'apply', pending: 3, held: 0, decision: null, reason: null }),
    applyDeletions: async () => batches.shift(),
    // A retried page's first attempt created users its counts never reached the workflow with.
    finishRun: async () => ({ counts: { created: 5, deleted: 3 } }),
  });
  await withWorker('apply', activities, async (start) => {
    const r = await result(await start({}));
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.deletions, { pending: 3, applied: 3, rejected: 0, held: 0 });
    assert.deepEqual(r.counts, { created: 5, deleted: 3 }, 'what the record holds, not the sum of attempts');
  });
  assert.equal(types(calls).filter((t) => t === 'applyDeletions').length, 2);
});

test('deletions past the budget never make the run wait: held for a decision workflow that applies them once approved', async () => {
  const calls: Call[] = [];
  const expiresAtMs = Date.now() + 7 * 86_400_000;
  const suffix = Math.random().toString(36).slice(2, 8);
  const batches = [
    { applied: 2, stale: 0, counts: { deleted: 2 }, remaining: 1 },
    { applied: 0, stale: 1, counts: {}, remaining: 0 },
  ];
  const activities = stubs(calls, [], {
    settleDeletions: async () => ({
      outcome: 'held',
      pending: 3,
      held: 3,
      decision: { id: 7, workflowId: `deletion-decision-7-${suffix}`, expiresAtMs, held: 3 },
      reason: '3 deletions would take 30.0% of 10 provisioned users',
    }),
    beginApplyingDecision: async () => ({ applying: true, successor: null }),
    applyHeldDeletions: async () => batches.shift(),
    closeDeletionDecision: async () => ({ closed: true, dropped: 0 }),
  });
  await withWorker('held', activities, async (start) => {
    const r = await result(await start({}));
    assert.equal(r.status, 'completed', 'the run finishes; nothing waits in it');
    const decisionId = `deletion-decision-7-${suffix}`;
    assert.deepEqual(r.deletions, {
      pending: 3,
      applied: 0,
      rejected: 0,
      held: 3,
      decisionWorkflowId: decisionId,
    });
    assert.match(r.reason ?? '', /30\.0%/);
    const decision = suite.env.client.workflow.getHandle(decisionId);
    const desc = await decision.describe();
    assert.equal(desc.status.name, 'RUNNING');
    assert.equal(desc.searchAttributes.EvsRunKind?.[0], 'deletion-decision');
    assert.equal(desc.searchAttributes.EvsRunStatus?.[0], 'awaiting-approval');
    assert.deepEqual(
      await decision.executeUpdate('decideDeletions', { args: [{ approve: true, by: 'alice' }] }),
      {
        accepted: true,
        pending: 3,
      },
    );
    await assert.rejects(
      decision.executeUpdate('decideDeletions', { args: [{ approve: false, by: 'bob' }] }),
      (err: Error) =>
        /already approved by alice|no longer pending|not found|completed/.test(String(err.cause ?? err)),
    );
    assert.deepEqual(await decision.result(), {
      decisionId: 7,
      status: 'approved',
      applied: 2,
      stale: 1,
      dropped: 0,
    });
  });
  assert.deepEqual(
    types(calls).filter((t) => t.includes('Decision') || t === 'applyHeldDeletions'),
    ['beginApplyingDecision', 'applyHeldDeletions', 'applyHeldDeletions', 'closeDeletionDecision'],
    'the approval is recorded before anything is applied',
  );
  assert.deepEqual(calls.find((c) => c.type === 'closeDeletionDecision')?.input, {
    decisionId: 7,
    status: 'approved',
    by: 'alice',
  });
  assert.equal(types(calls).includes('applyDeletions'), false, 'the run applied none of them');
});

test('a stop before the first page ends the run as stopped without touching users', async () => {
  const calls: Call[] = [];
  await withWorker('stop', stubs(calls, [10]), async (_start, taskQueue) => {
    const workflowId = `${taskQueue}-run`;
    await suite.env.client.workflow.signalWithStart('syncRunWorkflow', {
      taskQueue,
      workflowId,
      args: [{ kind: 'daily', startedBy: 'test' } satisfies SyncRunInput],
      signal: 'stop',
      signalArgs: [{ by: 'test', reason: 'now' }],
    });
    const r = await result(workflowId);
    assert.equal(r.status, 'stopped');
    assert.equal(r.reason, 'stopped by test: now');
  });
  assert.deepEqual(types(calls), [
    'beginRun',
    'adoptOrphanedInvitations',
    'syncLocations',
    'partitionUsers',
    'finishRun',
  ]);
  assert.equal(calls.at(-1)?.input.status, 'stopped');
});

test('a configuration failure in the locations fails the run with its type, before any page', async () => {
  const calls: Call[] = [];
  const activities = stubs(calls, [], {
    syncLocations: async () => {
      throw ApplicationFailure.nonRetryable('Visitor reports no default location', 'ConfigError');
    },
  });
  await withWorker('config', activities, async (start) => {
    const r = await result(await start({}));
    assert.equal(r.status, 'failed');
    assert.equal(r.reason, 'ConfigError: Visitor reports no default location');
    assert.equal(r.locations, undefined);
  });
  assert.deepEqual(types(calls), ['beginRun', 'adoptOrphanedInvitations', 'syncLocations', 'finishRun']);
});

test('a run refused because another sync runs is skipped and records nothing', async () => {
  const calls: Call[] = [];
  const activities = stubs(calls, [], {
    beginRun: async () => ({ status: 'refused', activeRunId: 'initial-sync-other' }),
  });
  await withWorker('refused', activities, async (start) => {
    const id = await start({});
    assert.deepEqual(await result(id), {
      runId: id,
      status: 'skipped',
      reason: 'another sync is running (initial-sync-other)',
      counts: {},
    });
  });
  assert.deepEqual(types(calls), ['beginRun']);
});

test('pages in flight grow with the workers: a second page worker takes pages beside the first', async () => {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const activities = stubs(
    calls,
    Array.from({ length: 11 }, (_, i) => (i + 1) * 10),
    {
      syncUserPage: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(150);
        inFlight--;
        return { processed: 1, counts: { created: 1 } };
      },
    },
  );
  const taskQueue = uniqueTaskQueue('scale');
  const worker = await suite.worker(taskQueue, activities, {}, 2);
  const joining = await suite.pageWorker(taskQueue, activities, 2);
  await worker.runUntil(
    joining.runUntil(async () => {
      const workflowId = `${taskQueue}-run`;
      await suite.env.client.workflow.start('syncRunWorkflow', {
        taskQueue,
        workflowId,
        args: [{ kind: 'daily', startedBy: 'test' } satisfies SyncRunInput],
      });
      const r = await result(workflowId);
      assert.equal(r.status, 'completed');
      assert.deepEqual(r.counts, { created: 12 });
    }),
  );
  // Two workers of two page slots: more than one worker's two, never more than both have.
  assert.ok(maxInFlight > 2, `pages ran on both workers (at most ${maxInFlight} at once)`);
  assert.ok(maxInFlight <= 4, `never more than the four slots (saw ${maxInFlight})`);
});

test('a page that returns at its time budget has the rest of its range scheduled, and counts once', async () => {
  const calls: Call[] = [];
  const activities = stubs(calls, [100], {
    // The first page returns twice at its budget (after ids 30, then 60) before finishing.
    syncUserPage: async (input) => {
      const { afterId } = input as { afterId: number | null; upToId: number | null };
      if (afterId === null) return { processed: 30, counts: { created: 30 }, resumeAfterId: 30 };
      if (afterId === 30) return { processed: 30, counts: { created: 30 }, resumeAfterId: 60 };
      return { processed: 40, counts: { created: 40 } };
    },
  });
  await withWorker('budget', activities, async (start) => {
    const r = await result(await start({}));
    assert.equal(r.status, 'completed');
  });
  const pages = calls
    .filter((c) => c.type === 'syncUserPage')
    .map((c) => c.input as { afterId: number | null; upToId: number | null; timeBudgetMs?: number });
  const ranges = pages.map((p) => `${p.afterId}-${p.upToId}`).sort();
  assert.deepEqual(
    ranges,
    ['100-null', '30-100', '60-100', 'null-100'],
    'the rest of page 1 twice, page 2 once',
  );
  assert.ok(
    pages.every((p) => (p.timeBudgetMs ?? 0) > 0),
    'every page has a time budget',
  );
});

test('an initial sync given a reviewed plan runs a fresh dry run as its child and goes on when the plans agree', async () => {
  const calls: Call[] = [];
  const activities = stubs(calls, [], { checkReviewedPlan: async () => ({ ok: true }) });
  await withWorker('reviewed_ok', activities, async (start) => {
    const id = await start({
      kind: 'initial',
      reviewedPlanRunId: 'dry-1',
      invitations: { mode: 'disabled' },
    });
    const r = await result(id);
    assert.equal(r.status, 'completed');
    const begun = calls.filter((c) => c.type === 'beginRun').map((c) => [c.input.runId, c.input.dryRun]);
    assert.deepEqual(begun, [
      [id, false],
      [`${id}-check`, true],
    ]);
    const check = calls.find((c) => c.type === 'checkReviewedPlan')!;
    assert.deepEqual(check.input, {
      runId: id,
      kind: 'initial',
      reviewedRunId: 'dry-1',
      freshRunId: `${id}-check`,
    });
    // The check comes after the child's whole dry run and before this run writes anything.
    const order = calls.map((c) => `${c.type}:${c.input.runId ?? ''}`);
    const checkAt = order.indexOf(`checkReviewedPlan:${id}`);
    assert.ok(order.indexOf(`finishRun:${id}-check`) < checkAt);
    assert.ok(checkAt < order.indexOf(`syncLocations:${id}`));
    const child = calls.find((c) => c.type === 'syncUserPage' && c.input.runId === `${id}-check`);
    assert.equal(child?.input.dryRun, true);
  });
});

test('a reviewed plan that no longer holds refuses the run before it writes anything', async () => {
  const calls: Call[] = [];
  const reason =
    'the plan changed since dry-1 was reviewed: 2 objects planned otherwise; nothing was written.';
  const activities = stubs(calls, [], {
    checkReviewedPlan: async () => ({ ok: false, reason, differences: 2 }),
  });
  await withWorker('reviewed_refused', activities, async (start) => {
    const id = await start({ kind: 'initial', reviewedPlanRunId: 'dry-1' });
    const r = await result(id);
    assert.deepEqual([r.status, r.reason], ['failed', reason]);
    const mine = calls.filter((c) => c.input.runId === id).map((c) => c.type);
    assert.deepEqual(mine, ['beginRun', 'checkReviewedPlan', 'finishRun']);
    assert.equal(calls.find((c) => c.type === 'finishRun' && c.input.runId === id)?.input.status, 'failed');
  });
});

test('a stop while the reviewed plan is being checked ends the run there: the check is cancelled, nothing written', async () => {
  const calls: Call[] = [];
  let pageStarted!: () => void;
  const started = new Promise<void>((r) => {
    pageStarted = r;
  });
  const activities = stubs(calls, [], {
    // The check's page takes its time (hours of Visitor reads at scale): the stop arrives meanwhile.
    syncUserPage: async () => {
      pageStarted();
      await sleep(1500);
      return { processed: 2, counts: { created: 2 } };
    },
  });
  await withWorker('reviewed_stop', activities, async (start) => {
    const id = await start({ kind: 'initial', reviewedPlanRunId: 'dry-1' });
    await started;
    await suite.env.client.workflow.getHandle(id).signal('stop', { by: 'test', reason: 'not today' });
    const r = await result(id);
    assert.deepEqual([r.status, r.reason], ['stopped', 'stopped by test: not today']);
    const mine = calls.filter((c) => c.input.runId === id).map((c) => c.type);
    assert.deepEqual(mine, ['beginRun', 'finishRun']);
    const child = await suite.env.client.workflow.getHandle(`${id}-check`).describe();
    assert.notEqual(child.status.name, 'RUNNING');
  });
});
