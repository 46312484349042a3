// invitationsWorkflow on the real Temporal dev server with stub activities (no database, no Visitor):
// a cancel that arrives while the held invitations are being sent stops the sending between two
// sends, counts what the cancelled batch sent and cancels the rest; a history of it replays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { InvitationsResult } from '../../workflows/types';
import { uniqueTaskQueue } from '../support/temporal';
import { stubWorkerSuite } from './support/stub-worker';

const suite = stubWorkerSuite();

/**
 * A run's held invitations as the engine sends them: a page of at most `limit`, `sendMs` per send,
 * a heartbeat after each, stopping between two sends once the activity is cancelled (returning what
 * it sent with work remaining, as runFenced does). `heartbeats: false` plays a page that never hears
 * of the cancel.
 */
class FakeInvitations {
  pending: number;
  sent = 0;
  cancelled = 0;
  sendCalls = 0;
  sendCallsAfterCancel = 0;
  cancelSignalled = false;
  constructor(
    total: number,
    private readonly o: { sendMs: number; heartbeats: boolean },
  ) {
    this.pending = total;
  }

  activities() {
    return {
      sendPendingInvitations: async ({ limit }: { runId: string; limit: number }) => {
        this.sendCalls++;
        if (this.cancelSignalled) this.sendCallsAfterCancel++;
        const ctx = Context.current();
        const rows = Math.min(limit, this.pending);
        let sent = 0;
        for (let i = 0; i < rows; i++) {
          if (this.o.heartbeats && ctx.cancellationSignal.aborted) break;
          await sleep(this.o.sendMs);
          this.pending--;
          this.sent++;
          sent++;
          if (this.o.heartbeats) ctx.heartbeat(sent);
        }
        return { sent, skipped: 0, remaining: this.pending };
      },
      cancelPendingInvitations: async () => {
        const cancelled = this.pending;
        this.cancelled += cancelled;
        this.pending = 0;
        return { cancelled };
      },
      countPendingInvitations: async () => ({ pending: this.pending }),
    };
  }
}

async function withWorker<T>(
  name: string,
  fake: FakeInvitations,
  body: (workflowId: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueTaskQueue(name);
  const worker = await suite.worker(taskQueue, fake.activities(), {
    // The worker hears of a cancel with the next heartbeat it sends; by default those go out every
    // 0.8 × the heartbeat timeout (48 s): sooner here, so the test takes seconds.
    maxHeartbeatThrottleInterval: '100ms',
  });
  const workflowId = `invitations-${taskQueue}`;
  await suite.env.client.workflow.start('invitationsWorkflow', {
    taskQueue,
    workflowId,
    args: [{ runId: taskQueue, dueAtMs: Date.now() + 3_600_000 }],
  });
  return worker.runUntil(body(workflowId));
}

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Releases the held invitations, cancels them once the first were sent, and awaits the result. */
async function releaseThenCancel(handle: WorkflowHandle, fake: FakeInvitations): Promise<InvitationsResult> {
  await handle.signal('releaseInvitations', { by: 'test' });
  await until('the first sends', () => fake.sent >= 20);
  fake.cancelSignalled = true;
  await handle.signal('cancelInvitations', { by: 'test' });
  return (await handle.result()) as InvitationsResult;
}

test('a cancel while a page is being sent stops it between two sends, counts what it sent and cancels the rest', async () => {
  const fake = new FakeInvitations(1_200, { sendMs: 10, heartbeats: true });
  await withWorker('inv-cancel', fake, async (workflowId) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    const result = await releaseThenCancel(handle, fake);

    assert.ok(fake.sent < 500, `sending stopped inside the first page (sent ${fake.sent} of 1200)`);
    assert.equal(fake.sendCallsAfterCancel, 0, 'no page is started once the cancel arrived');
    assert.equal(fake.pending, 0);
    assert.equal(fake.sent + fake.cancelled, 1_200);
    assert.deepEqual(result, {
      runId: result.runId,
      status: 'cancelled',
      sent: fake.sent,
      skipped: 0,
      cancelled: fake.cancelled,
    });

    // The history of the honoured cancel replays against the workflow code.
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: suite.codePath } }, history, workflowId);
  });
});

test('a page that does not hear of the cancel is counted when it ends; no further page is sent', async () => {
  const fake = new FakeInvitations(1_200, { sendMs: 5, heartbeats: false });
  await withWorker('inv-cancel-deaf', fake, async (workflowId) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    const result = await releaseThenCancel(handle, fake);
    assert.equal(fake.sendCalls, 1);
    assert.deepEqual(
      { status: result.status, sent: result.sent, cancelled: result.cancelled },
      { status: 'cancelled', sent: 500, cancelled: 700 },
    );
  });
});
