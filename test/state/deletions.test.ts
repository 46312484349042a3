// Deletions held to the end of a run: add (idempotent), list in id order, count, mark, reject all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncDatabase } from './fixtures';

const { store } = syncDatabase('deletions');

const add = (runId: string, engageUserId: number, mode: 'delete' | 'deactivate' = 'delete') =>
  store().addPendingDeletion({
    runId,
    engageUserId,
    visitorUserId: `v-${engageUserId}`,
    mode,
    reason: 'left',
  });

describe('pending deletions', () => {
  it('holds one deletion per run and user; a repeated add keeps the first', async () => {
    await add('run-1', 3);
    await add('run-1', 1, 'deactivate');
    await add('run-1', 2);
    await store().addPendingDeletion({
      runId: 'run-1',
      engageUserId: 3,
      visitorUserId: 'v-other',
      mode: 'deactivate',
      reason: 'again',
    });
    await add('run-2', 1);
    assert.equal(await store().countPendingDeletions('run-1'), 3);
    assert.equal(await store().countPendingDeletions('run-2'), 1);
    assert.equal(await store().countPendingDeletions('run-none'), 0);
    assert.deepEqual(await store().pendingDeletions('run-1', 10), [
      { run_id: 'run-1', engage_user_id: 1, visitor_user_id: 'v-1', mode: 'deactivate', reason: 'left' },
      { run_id: 'run-1', engage_user_id: 2, visitor_user_id: 'v-2', mode: 'delete', reason: 'left' },
      { run_id: 'run-1', engage_user_id: 3, visitor_user_id: 'v-3', mode: 'delete', reason: 'left' },
    ]);
    const firstTwo = await store().pendingDeletions('run-1', 2);
    assert.deepEqual(
      firstTwo.map((d) => d.engage_user_id),
      [1, 2],
    );
  });

  it('lists and counts only what is still pending once marked', async () => {
    await store().markDeletion('run-1', 1, 'applied');
    await store().markDeletion('run-1', 2, 'stale');
    await store().markDeletion('run-1', 2, 'stale'); // idempotent
    assert.equal(await store().countPendingDeletions('run-1'), 1);
    assert.deepEqual(
      (await store().pendingDeletions('run-1', 10)).map((d) => d.engage_user_id),
      [3],
    );
    assert.equal(await store().countPendingDeletions('run-2'), 1, 'another run’s are its own');
  });

  it('rejects all of a run’s pending deletions, and says how many', async () => {
    await add('run-3', 10);
    await add('run-3', 11);
    await add('run-3', 12);
    await store().markDeletion('run-3', 10, 'applied');
    assert.equal(await store().rejectAllDeletions('run-3'), 2);
    assert.equal(await store().rejectAllDeletions('run-3'), 0, 'nothing left to reject');
    assert.equal(await store().countPendingDeletions('run-3'), 0);
    assert.deepEqual(await store().pendingDeletions('run-3', 10), []);
    assert.equal(await store().countPendingDeletions('run-2'), 1);
  });
});
