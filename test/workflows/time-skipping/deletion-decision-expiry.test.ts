// deletionDecisionWorkflow on Temporal's time-skipping test server with stub activities: a decision
// nobody answers expires (as rejected) once its 7 days have passed on the server's clock; approved
// before then it applies the held deletions in batches and closes as approved; rejected it applies
// nothing; an answer that comes after the expiry is refused. The 7 days are skipped: seconds in all.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DecisionStatus, DeletionDecisionResult } from '../../../workflows/types';
import { timeSkippingSuite } from './support/suite';

const suite = timeSkippingSuite();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type CloseInput = { decisionId: number; status: 'approved' | 'rejected' | 'expired'; by: string };

/** A gate a stub activity waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened, reached: false };
}

/**
 * The guard's held deletions of one decision as the activities see them: applied a batch at a time
 * (the first `stale` of them back in Engage, so kept), the rest dropped when the decision closes.
 * Every call is recorded with the server's time.
 */
class FakeGuard {
  applies: { atMs: number; decisionId: number; limit: number }[] = [];
  begun: { decisionId: number; by: string; approvedAtMs: number }[] = [];
  closes: (CloseInput & { atMs: number })[] = [];
  applied = 0;
  staleLeft: number;
  /** When set, the first applyHeldDeletions (or closeDeletionDecision) waits at it. */
  applyGate?: ReturnType<typeof gate>;
  closeGate?: ReturnType<typeof gate>;
  constructor(
    public held: number,
    stale = 0,
  ) {
    this.staleLeft = stale;
  }

  activities() {
    return {
      beginApplyingDecision: async (input: { decisionId: number; by: string; approvedAtMs: number }) => {
        this.begun.push(input);
        return { applying: true, successor: null };
      },
      applyHeldDeletions: async ({ decisionId, limit }: { decisionId: number; limit: number }) => {
        this.applies.push({ atMs: await suite.now(), decisionId, limit });
        if (this.applyGate) {
          this.applyGate.reached = true;
          await this.applyGate.opened;
        }
        const batch = Math.min(limit, this.held);
        const stale = Math.min(batch, this.staleLeft);
        this.staleLeft -= stale;
        this.held -= batch;
        this.applied += batch - stale;
        return { applied: batch - stale, stale, counts: {}, remaining: this.held };
      },
      closeDeletionDecision: async (input: CloseInput) => {
        this.closes.push({ ...input, atMs: await suite.now() });
        if (this.closeGate) {
          this.closeGate.reached = true;
          await this.closeGate.opened;
        }
        const dropped = this.held;
        this.held = 0;
        return { closed: true, dropped };
      },
    };
  }
}

/** Starts a decision that expires `expiresInMs` after the server's now, with a worker while `body` runs. */
async function pendingDecision(
  name: string,
  fake: FakeGuard,
  expiresInMs: number,
  body: (o: {
    workflowId: string;
    decisionId: number;
    startedAtMs: number;
    expiresAtMs: number;
  }) => Promise<void>,
): Promise<void> {
  const taskQueue = `ts-${name}-${randomBytes(4).toString('hex')}`;
  const worker = await suite.worker(taskQueue, fake.activities());
  const startedAtMs = await suite.now();
  const expiresAtMs = startedAtMs + expiresInMs;
  const decisionId = randomBytes(3).readUIntBE(0, 3);
  const workflowId = `deletion-decision-${taskQueue}`;
  await suite.env.client.workflow.start('deletionDecisionWorkflow', {
    taskQueue,
    workflowId,
    args: [{ decisionId, expiresAtMs, held: fake.held }],
  });
  await worker.runUntil(body({ workflowId, decisionId, startedAtMs, expiresAtMs }));
}

const decide = (workflowId: string, approve: boolean, by: string) =>
  suite.env.client.workflow
    .getHandle(workflowId)
    .executeUpdate('decideDeletions', { args: [{ approve, by }] }) as Promise<{
    accepted: boolean;
    pending: number;
  }>;

/** The reason an update was refused: the workflow's validator's message, or the server's. */
async function refusal(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return `${e.message} ${e.cause?.message ?? ''}`;
  }
  assert.fail('the update was accepted');
}

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a decision nobody answers expires once its 7 days have passed: closed as expired, nothing applied', async () => {
  const wallStart = Date.now();
  const fake = new FakeGuard(120);
  await pendingDecision(
    'dd-expiry',
    fake,
    7 * DAY,
    async ({ workflowId, decisionId, startedAtMs, expiresAtMs }) => {
      const handle = suite.env.client.workflow.getHandle(workflowId);

      // Six days on, it still waits.
      await suite.env.sleep(6 * DAY);
      assert.ok((await suite.now()) >= startedAtMs + 6 * DAY);
      const status = (await handle.query('decisionStatus')) as DecisionStatus;
      assert.equal(status.state, 'waiting');
      assert.equal(fake.closes.length, 0, 'not closed before it expires');

      const result = (await handle.result()) as DeletionDecisionResult;
      assert.deepEqual(result, { decisionId, status: 'expired', applied: 0, stale: 0, dropped: 120 });
      assert.deepEqual(
        fake.closes.map(({ atMs: _, ...c }) => c),
        [{ decisionId, status: 'expired', by: 'expiry' }],
      );
      assert.ok(fake.closes[0]!.atMs >= expiresAtMs, 'closed once the expiry time has passed');
      assert.ok(fake.closes[0]!.atMs < expiresAtMs + HOUR, 'and when it passed, not later');
      assert.equal(fake.applies.length, 0, 'an expired decision applies nothing');

      // Operators find it by its search attributes.
      const { searchAttributes } = await handle.describe();
      assert.deepEqual(searchAttributes.EvsRunKind, ['deletion-decision']);
      assert.deepEqual(searchAttributes.EvsRunStatus, ['expired']);

      // Answered now, it is refused (a real server says the execution already completed; the test
      // server, that it finds no such update).
      assert.match(await refusal(decide(workflowId, true, 'late-ops')), /already completed|not found/);
      assert.equal(fake.applies.length, 0);
    },
  );
  assert.ok(Date.now() - wallStart < 60_000, 'the seven days pass in seconds');
});

test('approved before it expires, the held deletions are applied in batches until none remain, then closed as approved', async () => {
  const fake = new FakeGuard(450, 5);
  fake.applyGate = gate();
  await pendingDecision('dd-approve', fake, 7 * DAY, async ({ workflowId, decisionId, expiresAtMs }) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    await suite.env.sleep(2 * DAY);
    assert.deepEqual(await decide(workflowId, true, 'ops'), { accepted: true, pending: 450 });

    // While the first batch is applied, a second answer is refused.
    await until('the first batch', () => fake.applyGate!.reached);
    assert.match(await refusal(decide(workflowId, false, 'someone-else')), /already approved by ops/);
    fake.applyGate!.open();

    const result = (await handle.result()) as DeletionDecisionResult;
    assert.deepEqual(result, { decisionId, status: 'approved', applied: 445, stale: 5, dropped: 0 });
    assert.deepEqual(
      fake.begun.map((b) => [b.decisionId, b.by]),
      [[decisionId, 'ops']],
      'the approval is recorded (no more held deletions join it) before anything is applied',
    );
    assert.deepEqual(
      fake.applies.map(({ atMs: _, ...a }) => a),
      [
        { decisionId, limit: 200 },
        { decisionId, limit: 200 },
        { decisionId, limit: 200 },
      ],
      'batches of 200 until none remain (200 + 200 + 50)',
    );
    assert.equal(fake.applied, 445);
    assert.equal(fake.held, 0);
    assert.deepEqual(
      fake.closes.map(({ atMs: _, ...c }) => c),
      [{ decisionId, status: 'approved', by: 'ops' }],
    );
    assert.ok(fake.closes[0]!.atMs < expiresAtMs, 'applied and closed days before the expiry');

    const { searchAttributes } = await handle.describe();
    assert.deepEqual(searchAttributes.EvsRunStatus, ['approved']);
  });
});

test('rejected before it expires, nothing is applied and the decision closes as rejected', async () => {
  const fake = new FakeGuard(80);
  await pendingDecision('dd-reject', fake, 7 * DAY, async ({ workflowId, decisionId, expiresAtMs }) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    await suite.env.sleep(3 * DAY);
    assert.deepEqual(await decide(workflowId, false, 'ops'), { accepted: true, pending: 80 });
    const result = (await handle.result()) as DeletionDecisionResult;

    assert.deepEqual(result, { decisionId, status: 'rejected', applied: 0, stale: 0, dropped: 80 });
    assert.equal(fake.applies.length, 0);
    assert.deepEqual(
      fake.closes.map(({ atMs: _, ...c }) => c),
      [{ decisionId, status: 'rejected', by: 'ops' }],
    );
    assert.ok(fake.closes[0]!.atMs < expiresAtMs);
  });
});

test('an approval that arrives after the expiry, while the decision is being closed, is refused', async () => {
  const fake = new FakeGuard(60);
  fake.closeGate = gate();
  await pendingDecision('dd-late', fake, 7 * DAY, async ({ workflowId, decisionId, expiresAtMs }) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    // Awaiting the result lets the server skip to the expiry; the decision is then being closed (the
    // close waits at its gate), the workflow still running.
    const closed = handle.result() as Promise<DeletionDecisionResult>;
    await until('the expiry to close the decision', () => fake.closeGate!.reached);
    assert.ok((await suite.now()) >= expiresAtMs);

    assert.match(await refusal(decide(workflowId, true, 'late-ops')), /no longer pending \(it expired\)/);
    fake.closeGate!.open();

    const result = await closed;
    assert.deepEqual(result, { decisionId, status: 'expired', applied: 0, stale: 0, dropped: 60 });
    assert.equal(fake.applies.length, 0, 'the late approval applied nothing');
    assert.deepEqual(
      fake.closes.map(({ atMs: _, ...c }) => c),
      [{ decisionId, status: 'expired', by: 'expiry' }],
    );
  });
});
