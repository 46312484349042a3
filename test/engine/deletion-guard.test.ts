// engine/deletion-guard.ts: one deletion budget for bulk and per-user runs, held deletions waiting for
// one pending decision (never for the run), the decision applied against a fresh Engage, or expired.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncSettings } from '../../config/service';
import { noProgress } from '../../engine/defaults';
import {
  applyHeldDeletions,
  beginApplyingDecision,
  closeDeletionDecision,
  decisionRunId,
  settleDeletions,
} from '../../engine/deletion-guard';
import { applyDeletions } from '../../engine/deletions';
import { reconcileSingleUser } from '../../engine/single-user';
import { openDailyRun, seedLinked } from './builders';
import { engageUser, type FakeWorld, fakeWorld, settings } from './fakes';

const HOUR = 3_600_000;

/** Users 1..n active in Engage, in Visitor and linked; a budget of `count` users (percent open). */
function world(n: number, count: number, s: Partial<SyncSettings> = {}) {
  const events: string[] = [];
  const w = fakeWorld({
    settings: {
      options: { ...settings.options, deprovision: 'delete' },
      deleteThreshold: { count, percent: 100, windowMs: 24 * HOUR },
      decisionTtlMs: 7 * 24 * HOUR,
      ...s,
    },
  });
  (w.engine as { decisionMetrics?: unknown }).decisionMetrics = { decision: (e: string) => events.push(e) };
  for (let id = 1; id <= n; id++) {
    w.engage.add(engageUser(id));
    seedLinked(w, id);
  }
  return { ...w, events };
}

/** Engage users who left (their rows gone), and the run's pending deletions of them. */
function leave(w: FakeWorld, run: string, ids: number[]) {
  for (const id of ids) {
    w.engage.users.delete(id);
    w.store.seedDeletion({
      runId: run,
      engageUserId: id,
      visitorUserId: w.store.users.get(id)!.visitorUserId!,
      mode: 'delete',
      reason: 'deleted_in_engage',
    });
  }
}

const single = (w: FakeWorld, id: number, run = `provision-user-${id}@1`) =>
  reconcileSingleUser(w.engine, { runId: run, engageUserId: id, dryRun: false }, 1, noProgress);

const inVisitor = (w: FakeWorld, id: number) =>
  [...w.visitor.users.values()].some((u) => u.externalId === String(id));

describe('the deletion budget, shared by every path', () => {
  it('per-user runs delete until the budget is spent, then hold the rest for one decision', async () => {
    const w = world(20, 3);
    for (let id = 1; id <= 5; id++) w.engage.users.delete(id);
    const results = [];
    for (let id = 1; id <= 5; id++) results.push(await single(w, id));
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['deleted', 'deleted', 'deleted', 'held', 'held'],
    );
    assert.equal(results[3]!.deletionHeld?.id, results[4]!.deletionHeld?.id, 'the same decision');
    assert.equal(results[4]!.deletionHeld?.held, 2);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((id) => inVisitor(w, id)),
      [false, false, false, true, true],
    );
    assert.deepEqual(w.events, ['opened']);
    assert.deepEqual(
      w.store.logs.filter((l) => l.outcome === 'held').map((l) => l.run_id),
      ['provision-user-4@1', 'provision-user-5@1'],
    );
  });

  it('a retried per-user attempt neither spends the budget twice nor deletes twice', async () => {
    const w = world(20, 1);
    w.engage.users.delete(1);
    assert.equal((await single(w, 1)).outcome, 'deleted');
    const again = await reconcileSingleUser(
      w.engine,
      { runId: 'provision-user-1@1', engageUserId: 1, dryRun: false },
      2,
      noProgress,
    );
    assert.notEqual(again.outcome, 'held');
    assert.equal(w.visitor.count('deleteUser'), 1);
    assert.equal(w.guard.ledger.length, 1);
  });

  it('the budget is a sliding window: spent deletions age out of it', async () => {
    const w = world(20, 1);
    w.engage.users.delete(1);
    w.engage.users.delete(2);
    assert.equal((await single(w, 1)).outcome, 'deleted');
    assert.equal((await single(w, 2)).outcome, 'held');
    w.clock.advance(25 * HOUR);
    w.engage.users.delete(3);
    assert.equal((await single(w, 3)).outcome, 'deleted', 'a day later the budget has room again');
  });

  it('a bulk run past the budget holds all its deletions and finishes; a later small batch applies', async () => {
    const w = world(20, 3);
    await openDailyRun(w, 'r1');
    leave(w, 'r1', [1, 2, 3, 4]);
    const s = await settleDeletions(w.engine, { runId: 'r1', path: 'run', dryRun: false });
    assert.equal(s.outcome, 'held');
    assert.match(s.outcome === 'held' ? s.reason : '', /^4 deletions would take .* budget of 3 users/);
    assert.deepEqual(await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress), {
      applied: 0,
      counts: {},
      remaining: 0,
    });
    assert.equal(w.visitor.count('deleteUser'), 0, 'nothing deleted');
    assert.equal(w.guard.ledger.length, 0, 'no budget spent on held deletions');

    await openDailyRun(w, 'r2');
    leave(w, 'r2', [4, 5]); // 4 is held already; 5 is new
    const s2 = await settleDeletions(w.engine, { runId: 'r2', path: 'run', dryRun: false });
    assert.equal(s2.outcome, 'apply');
    assert.equal(s2.outcome === 'apply' ? s2.held : -1, 1, 'a held user stays held for the operator');
    await applyDeletions(w.engine, { runId: 'r2', limit: 200 }, noProgress);
    assert.equal(inVisitor(w, 5), false, 'the new leaver within the budget is deleted');
    assert.equal(inVisitor(w, 4), true);
    assert.equal((await w.guard.pendingDecision())?.held, 4);
  });

  it('an empty Engage refuses every deletion, budget or not', async () => {
    const w = world(3, 100);
    await openDailyRun(w, 'r1');
    leave(w, 'r1', [1, 2, 3]);
    const s = await settleDeletions(w.engine, { runId: 'r1', path: 'run', dryRun: false });
    assert.equal(s.outcome, 'refused');
    assert.equal(await w.guard.pendingDecision(), undefined);
    assert.equal(w.guard.ledger.length, 0);
  });

  it('a dry run judges without spending the budget or holding anything', async () => {
    const w = world(20, 1);
    await openDailyRun(w, 'r1');
    leave(w, 'r1', [1, 2]);
    const s = await settleDeletions(w.engine, { runId: 'r1', path: 'run', dryRun: true });
    assert.equal(s.outcome, 'held');
    assert.equal(await w.guard.pendingDecision(), undefined);
    assert.equal(w.guard.ledger.length, 0);
  });
});

describe('the pending decision', () => {
  async function heldWorld() {
    const w = world(20, 2);
    await openDailyRun(w, 'r1');
    leave(w, 'r1', [1, 2, 3, 4, 5]);
    const s = await settleDeletions(w.engine, { runId: 'r1', path: 'run', dryRun: false });
    assert.equal(s.outcome, 'held');
    return { w, id: s.outcome === 'held' ? s.decision.id : 0 };
  }

  it('later bulk runs drop held users who came back to Engage', async () => {
    const { w, id } = await heldWorld();
    w.engage.add(engageUser(2, { sourceDigest: 'back-2' }));
    await openDailyRun(w, 'r2');
    await settleDeletions(w.engine, { runId: 'r2', path: 'run', dryRun: false });
    assert.deepEqual(
      (await w.guard.heldDeletions(id, 100)).map((h) => h.engageUserId),
      [1, 3, 4, 5],
    );
  });

  it('approving applies only the held deletions still valid against Engage, outside the budget', async () => {
    const { w, id } = await heldWorld();
    w.engage.add(engageUser(3, { sourceDigest: 'back-3' })); // came back after the hold
    await beginApplyingDecision(w.engine, { decisionId: id, by: 'ops', approvedAtMs: w.clock.now() });
    let r = await applyHeldDeletions(w.engine, { decisionId: id, limit: 2 }, noProgress);
    let applied = r.applied;
    while (r.remaining > 0) {
      r = await applyHeldDeletions(w.engine, { decisionId: id, limit: 2 }, noProgress);
      applied += r.applied;
    }
    assert.equal(applied, 4);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((i) => inVisitor(w, i)),
      [false, false, true, false, false],
    );
    assert.deepEqual(
      await closeDeletionDecision(w.engine, { decisionId: id, status: 'approved', by: 'ops' }),
      {
        closed: true,
        dropped: 0,
      },
    );
    assert.equal((await w.guard.budgetUse(new Date(0))).used, 0, 'approved deletions spend no budget');
    assert.deepEqual(
      w.store.logs.filter((l) => l.run_id === decisionRunId(id)).map((l) => [l.engage_id, l.outcome]),
      [
        [1, 'deleted'],
        [2, 'deleted'],
        [4, 'deleted'],
        [5, 'deleted'],
        [null, 'approved'],
      ],
    );
    assert.deepEqual(w.events, ['opened', 'approved']);
  });

  it('an expired (or rejected) decision deletes nobody and drops what it held; a second close is a no-op', async () => {
    const { w, id } = await heldWorld();
    assert.deepEqual(
      await closeDeletionDecision(w.engine, { decisionId: id, status: 'expired', by: 'expiry' }),
      {
        closed: true,
        dropped: 5,
      },
    );
    assert.equal(w.visitor.count('deleteUser'), 0);
    assert.equal((await w.guard.decision(id))?.status, 'expired');
    assert.deepEqual(
      await applyHeldDeletions(w.engine, { decisionId: id, limit: 10 }, noProgress),
      { applied: 0, stale: 0, counts: {}, remaining: 0 },
      'an expired decision cannot be applied',
    );
    assert.deepEqual(
      await closeDeletionDecision(w.engine, { decisionId: id, status: 'approved', by: 'late' }),
      {
        closed: false,
        dropped: 0,
      },
    );
    assert.deepEqual(w.events, ['opened', 'expired']);
  });

  it('deletions held while an approval is applied wait for a decision of their own, never ride on it', async () => {
    const { w, id } = await heldWorld();
    const approvedAtMs = w.clock.now();
    w.clock.advance(1000);
    // Three more leavers as the approval lands: past the budget (2), held.
    await openDailyRun(w, 'r2');
    leave(w, 'r2', [6, 7, 8]);
    const s = await settleDeletions(w.engine, { runId: 'r2', path: 'run', dryRun: false });
    assert.equal(s.outcome === 'held' ? s.decision.id : -1, id, 'held for the decision still pending');
    const begun = await beginApplyingDecision(w.engine, { decisionId: id, by: 'ops', approvedAtMs });
    assert.ok(begun.successor && begun.successor.id !== id, 'a new decision holds them');
    let r = await applyHeldDeletions(w.engine, { decisionId: id, limit: 100 }, noProgress);
    while (r.remaining > 0)
      r = await applyHeldDeletions(w.engine, { decisionId: id, limit: 100 }, noProgress);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) => inVisitor(w, i)),
      [false, false, false, false, false, true, true, true],
      'the approval deleted exactly what it was given',
    );
    assert.deepEqual(
      (await w.guard.heldDeletions(begun.successor!.id, 10)).map((h) => h.engageUserId),
      [6, 7, 8],
    );
    // Later runs hold for the new decision, not the one being applied.
    await openDailyRun(w, 'r3');
    leave(w, 'r3', [9, 10, 11]);
    const s3 = await settleDeletions(w.engine, { runId: 'r3', path: 'run', dryRun: false });
    assert.equal(s3.outcome === 'held' ? s3.decision.id : -1, begun.successor!.id);
  });

  it('a settle retried after its holds committed answers the same: held, with the decision', async () => {
    const { w, id } = await heldWorld();
    const again = await settleDeletions(w.engine, { runId: 'r1', path: 'run', dryRun: false });
    assert.equal(again.outcome, 'held');
    assert.equal(again.outcome === 'held' ? again.decision.id : -1, id);
    assert.equal(again.outcome === 'held' ? again.held : -1, 5);
  });

  it('a per-user run fired, rehired and fired again in one execution deletes again', async () => {
    const w = world(20, 10);
    const run = 'provision-user-1@1';
    w.engage.users.delete(1);
    assert.equal((await single(w, 1, run)).outcome, 'deleted');
    w.engage.add(engageUser(1, { sourceDigest: 'rehired' }));
    assert.equal((await single(w, 1, run)).outcome, 'created');
    w.engage.users.delete(1);
    assert.equal((await single(w, 1, run)).outcome, 'deleted');
    assert.equal(inVisitor(w, 1), false);
  });

  it('a per-user run for a user already held reports held, with the decision', async () => {
    const { w, id } = await heldWorld();
    const r = await single(w, 3);
    assert.equal(r.outcome, 'held');
    assert.equal(r.deletionHeld?.id, id);
    assert.equal(inVisitor(w, 3), true);
  });
});
