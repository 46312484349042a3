// invitationsWorkflow on Temporal's time-skipping test server with stub activities: a batch held for
// 7 days is sent when (and only when) the 7 days have passed on the server's clock, a cancel before
// then sends nothing, a release sends at once. The 7 days are skipped: the file takes seconds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { InvitationsResult } from '../../../workflows/types';
import { timeSkippingSuite } from './support/suite';

const suite = timeSkippingSuite();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A run's held invitations, sent a page at a time; each call records the server's time. */
class FakeInvitations {
  sends: { atMs: number; limit: number }[] = [];
  cancels: { atMs: number }[] = [];
  sent = 0;
  cancelled = 0;
  constructor(public pending: number) {}

  activities() {
    return {
      sendPendingInvitations: async ({ limit }: { runId: string; limit: number }) => {
        this.sends.push({ atMs: await suite.now(), limit });
        const sent = Math.min(limit, this.pending);
        this.pending -= sent;
        this.sent += sent;
        return { sent, skipped: 0, remaining: this.pending };
      },
      cancelPendingInvitations: async () => {
        this.cancels.push({ atMs: await suite.now() });
        const cancelled = this.pending;
        this.pending = 0;
        this.cancelled += cancelled;
        return { cancelled };
      },
    };
  }
}

/** Starts a batch due `dueInMs` after the server's now, with a worker running while `body` runs. */
async function heldBatch(
  name: string,
  fake: FakeInvitations,
  dueInMs: number,
  body: (o: { workflowId: string; startedAtMs: number; dueAtMs: number }) => Promise<void>,
): Promise<void> {
  const taskQueue = `ts-${name}-${randomBytes(4).toString('hex')}`;
  const worker = await suite.worker(taskQueue, fake.activities());
  const startedAtMs = await suite.now();
  const dueAtMs = startedAtMs + dueInMs;
  const workflowId = `invitations-${taskQueue}`;
  await suite.env.client.workflow.start('invitationsWorkflow', {
    taskQueue,
    workflowId,
    args: [{ runId: taskQueue, dueAtMs }],
  });
  await worker.runUntil(body({ workflowId, startedAtMs, dueAtMs }));
}

test('a batch due in 7 days is sent only once the 7 days have passed, in pages', async () => {
  const wallStart = Date.now();
  const fake = new FakeInvitations(1_200);
  await heldBatch('inv-due', fake, 7 * DAY, async ({ workflowId, dueAtMs }) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);

    // Six of the seven days pass: still waiting, nothing sent.
    await suite.env.sleep(6 * DAY);
    assert.ok((await suite.now()) < dueAtMs);
    const status = (await handle.query('invitationsStatus')) as { state: string; sent: number };
    assert.equal(status.state, 'waiting');
    assert.equal(fake.sends.length, 0, 'nothing is sent before the batch is due');

    // Awaiting the result lets the server skip to the timer.
    const result = (await handle.result()) as InvitationsResult;
    assert.deepEqual(result, { runId: result.runId, status: 'sent', sent: 1_200, skipped: 0, cancelled: 0 });
    assert.deepEqual(
      fake.sends.map((s) => s.limit),
      [500, 500, 500],
      'three pages of at most 500',
    );
    for (const send of fake.sends)
      assert.ok(send.atMs >= dueAtMs, 'every page is sent once the batch is due');
    assert.ok(fake.sends[0]!.atMs < dueAtMs + HOUR, 'and sent when it is due, not later');
    assert.equal(fake.cancels.length, 0);
  });
  assert.ok(Date.now() - wallStart < 60_000, 'the seven days pass in seconds');
});

test('a batch cancelled before it is due sends nothing and cancels every held invitation', async () => {
  const fake = new FakeInvitations(300);
  await heldBatch('inv-cancel', fake, 7 * DAY, async ({ workflowId, dueAtMs }) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    await suite.env.sleep(2 * DAY);
    await handle.signal('cancelInvitations', { by: 'ops' });
    const result = (await handle.result()) as InvitationsResult;

    assert.deepEqual(result, {
      runId: result.runId,
      status: 'cancelled',
      sent: 0,
      skipped: 0,
      cancelled: 300,
    });
    assert.equal(fake.sends.length, 0, 'no invitation is sent');
    assert.equal(fake.cancels.length, 1);
    assert.ok(fake.cancels[0]!.atMs < dueAtMs, 'cancelled when asked, not when the batch fell due');
    assert.equal(fake.pending, 0);
  });
});

test('a released batch is sent at once, days before it was due', async () => {
  const fake = new FakeInvitations(40);
  await heldBatch('inv-release', fake, 7 * DAY, async ({ workflowId, startedAtMs, dueAtMs }) => {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    await suite.env.sleep(DAY);
    await handle.signal('releaseInvitations', { by: 'ops' });
    const result = (await handle.result()) as InvitationsResult;

    assert.deepEqual(result, { runId: result.runId, status: 'sent', sent: 40, skipped: 0, cancelled: 0 });
    assert.equal(fake.sends.length, 1);
    const sentAt = fake.sends[0]!.atMs;
    assert.ok(sentAt < startedAtMs + DAY + HOUR, 'sent when released');
    assert.ok(sentAt < dueAtMs - 5 * DAY, 'well before it was due');
    assert.equal(fake.cancels.length, 0);
  });
});
