// engine/orphaned-invitations.ts (issue 14, defect 5): pending invitations whose run is gone (cancelled
// or terminated before its invitations workflow started) are handed to the current run, or cancelled
// when its policy sends none; a batch whose run or invitations workflow still runs is left alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvitationPolicy } from '../../domain/run-types';
import { adoptOrphanedInvitations } from '../../engine/orphaned-invitations';
import { seedLinked } from './builders';
import { type FakeWorld, fakeWorld } from './fakes';

const delay: InvitationPolicy = { mode: 'delay', delayMs: 3_600_000 };

/** Users `ids` pending for run `runId`, whose run record says `status` (none when null). */
async function pending(w: FakeWorld, runId: string, ids: number[], status: string | null) {
  for (const id of ids)
    seedLinked(w, id, { invitationStatus: 'pending', invitationRunId: runId, createdByRun: runId });
  if (status === null) return;
  await w.store.openRun({ id: runId, kind: 'initial', workflowId: runId, startedBy: 'cli', dryRun: false });
  await w.store.setRunStatus(runId, status);
}

const runOf = (w: FakeWorld, id: number) => w.store.users.get(id)!.invitationRunId;

describe('adoptOrphanedInvitations', () => {
  it('hands the current run the invitations of runs gone before their invitations workflow started', async () => {
    const running = new Set(['live-run', 'invitations-waiting-run']);
    const w = fakeWorld({ workflowIsRunning: async (id) => running.has(id) });
    await pending(w, 'cancelled-run', [1, 2], 'running'); // cancelled from the UI: its record says running
    await pending(w, 'terminated-run', [3], 'failed');
    await pending(w, 'live-run', [4], 'running'); // still running: it will start its own batch
    await pending(w, 'waiting-run', [5], 'completed'); // its invitations workflow holds the batch
    await pending(w, 'current', [6], 'running');

    const r = await adoptOrphanedInvitations(w.engine, { runId: 'current', invitations: delay });
    assert.deepEqual(r, {
      adopted: 3,
      cancelled: 0,
      runs: [
        { runId: 'cancelled-run', invitations: 2, outcome: 'adopted' },
        { runId: 'terminated-run', invitations: 1, outcome: 'adopted' },
      ],
    });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((id) => runOf(w, id)),
      ['current', 'current', 'current', 'live-run', 'waiting-run', 'current'],
    );
    assert.equal(await w.store.countPendingInvitations('current'), 4);
    assert.deepEqual(
      w.store.logs.map((l) => [l.run_id, l.action, l.outcome, l.detail]),
      [
        [
          'current',
          'invitations',
          'adopted',
          { fromRun: 'cancelled-run', fromStatus: 'running', invitations: 2 },
        ],
        [
          'current',
          'invitations',
          'adopted',
          { fromRun: 'terminated-run', fromStatus: 'failed', invitations: 1 },
        ],
      ],
    );

    const again = await adoptOrphanedInvitations(w.engine, { runId: 'current', invitations: delay });
    assert.deepEqual(again, { adopted: 0, cancelled: 0, runs: [] }, 'idempotent');
  });

  it('cancels them, and says so, when the current policy sends no invitations', async () => {
    const w = fakeWorld({ workflowIsRunning: async () => false });
    await pending(w, 'gone', [1, 2], 'stopped');
    const r = await adoptOrphanedInvitations(w.engine, {
      runId: 'current',
      invitations: { mode: 'disabled' },
    });
    assert.deepEqual(r, {
      adopted: 0,
      cancelled: 2,
      runs: [{ runId: 'gone', invitations: 2, outcome: 'cancelled' }],
    });
    assert.equal(w.store.users.get(1)!.invitationStatus, 'cancelled');
    assert.deepEqual(
      w.store.logs.map((l) => [l.run_id, l.action, l.outcome]),
      [['current', 'invitations', 'cancelled']],
    );
  });

  it('adopts a batch whose run left no record, once its invitations workflow is not running', async () => {
    const w = fakeWorld({ workflowIsRunning: async () => false });
    await pending(w, 'no-record', [1], null);
    const r = await adoptOrphanedInvitations(w.engine, { runId: 'current', invitations: { mode: 'send' } });
    assert.equal(r.adopted, 1);
    assert.equal(runOf(w, 1), 'current');
  });

  it('a dry run adopts nothing', async () => {
    const w = fakeWorld({ workflowIsRunning: async () => false });
    await pending(w, 'gone', [1], 'failed');
    const r = await adoptOrphanedInvitations(w.engine, {
      runId: 'current',
      invitations: delay,
      dryRun: true,
    });
    assert.deepEqual(r, { adopted: 0, cancelled: 0, runs: [] });
    assert.equal(runOf(w, 1), 'gone');
  });

  it('without a way to ask Temporal, or when asking fails, it adopts nothing', async () => {
    const blind = fakeWorld();
    await pending(blind, 'gone', [1], 'failed');
    assert.deepEqual(await adoptOrphanedInvitations(blind.engine, { runId: 'current', invitations: delay }), {
      adopted: 0,
      cancelled: 0,
      runs: [],
    });
    const failing = fakeWorld({
      workflowIsRunning: async () => {
        throw new Error('Temporal unavailable');
      },
    });
    await pending(failing, 'gone', [1], 'failed');
    await assert.rejects(
      adoptOrphanedInvitations(failing.engine, { runId: 'current', invitations: delay }),
      /Temporal unavailable/,
    );
    assert.equal(runOf(failing, 1), 'gone');
  });
});
