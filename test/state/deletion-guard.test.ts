// PgDeletionGuard over PostgreSQL: the budget reserved atomically by concurrent workers, one pending
// decision, held deletions refreshed by later runs, released on approval, dropped on close.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetAllows } from '../../domain/deletion-budget';
import type { PendingDeletion } from '../../engine/ports';
import { PgDeletionGuard } from '../../state/deletion-guard';
import { syncDatabase, userState } from './fixtures';

const { db, store } = syncDatabase('deletion_guard');
const allow = (count: number) => (use: { used: number; linked: number }, n: number) =>
  budgetAllows(use, n, { count, percent: 100 });
const since = () => new Date(Date.now() - 3_600_000);
const pending = (runId: string, id: number): PendingDeletion => ({
  run_id: runId,
  engage_user_id: id,
  visitor_user_id: `v-${id}`,
  mode: 'delete',
  reason: 'deleted_in_engage',
});

describe('PgDeletionGuard', () => {
  it('concurrent reservations from many workers never overspend the budget; a retry spends nothing more', async () => {
    const guards = Array.from({ length: 8 }, () => new PgDeletionGuard(db()));
    for (let id = 1; id <= 40; id++) await store().saveUser(userState(id), 'seed');
    const results = await Promise.all(
      guards.map((g, i) =>
        g.reserve({
          runId: `provision-user-${i}@1`,
          engageUserIds: [i + 1],
          path: 'user',
          since: since(),
          allow: allow(5),
        }),
      ),
    );
    assert.equal(results.filter((r) => r.ok).length, 5, 'exactly the budget');
    const again = await guards[0]!.reserve({
      runId: 'provision-user-0@1',
      engageUserIds: [1],
      path: 'user',
      since: since(),
      allow: allow(5),
    });
    assert.equal(again.ok, results[0]!.ok, 'the same answer for a retried attempt');
    const use = await guards[0]!.budgetUse(since());
    assert.equal(use.used, 5);
    assert.equal(use.linked, 40);
    assert.equal((await guards[0]!.budgetUse(new Date(Date.now() + 1000))).used, 0, 'a sliding window');
  });

  it('holds deletions for one pending decision, refreshes them, releases and closes', async () => {
    const g = new PgDeletionGuard(db());
    for (const [run, id] of [
      ['r1', 101],
      ['r1', 102],
      ['r2', 102],
      ['r2', 103],
    ] as const)
      await db()
        .insertInto('sync.pending_deletions')
        .values({ run_id: run, engage_user_id: id, visitor_user_id: `v-${id}`, mode: 'delete', reason: 'x' })
        .execute();
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    const d1 = await g.hold({
      runId: 'r1',
      deletions: [pending('r1', 101), pending('r1', 102)],
      reason: 'past',
      expiresAt,
    });
    const d2 = await g.hold({
      runId: 'r2',
      deletions: [pending('r2', 102), pending('r2', 103)],
      reason: 'past',
      expiresAt,
    });
    assert.equal(d1.id, d2.id, 'one pending decision');
    assert.equal(d2.held, 3, 'a user is held once');
    assert.deepEqual([...(await g.whichHeld([101, 103, 104]))].sort(), [101, 103]);
    const statuses = await db().selectFrom('sync.pending_deletions').select(['run_id', 'status']).execute();
    assert.ok(
      statuses.every((s) => s.status === 'held'),
      'taken off the runs’ pending lists',
    );

    assert.equal(await g.dropHeld([103]), 1);
    const usedBefore = (await g.budgetUse(since())).used;
    await g.releaseHeld(d1.id, 101, 'applied');
    await g.releaseHeld(d1.id, 101, 'applied'); // a retried step
    const ledger = await db()
      .selectFrom('sync.deletion_ledger')
      .selectAll()
      .where('path', '=', 'approved')
      .execute();
    assert.deepEqual(
      ledger.map((l) => [l.engage_user_id, l.path]),
      [[101, 'approved']],
    );
    assert.equal((await g.budgetUse(since())).used, usedBefore, 'approved deletions spend no budget');
    assert.deepEqual(await g.closeDecision(d1.id, 'expired', 'expiry'), { closed: true, dropped: 1 });
    assert.deepEqual(await g.closeDecision(d1.id, 'approved', 'late'), { closed: false, dropped: 0 });
    assert.equal(await g.pendingDecision(), undefined);
    const d3 = await g.hold({ runId: 'r3', deletions: [pending('r3', 104)], reason: 'again', expiresAt });
    assert.notEqual(d3.id, d1.id, 'a new decision after the last one closed');
    assert.equal((await g.decision(d1.id))?.status, 'expired');
  });

  it('an approval being applied takes no more held deletions: those held after it move to a new decision', async () => {
    const g = new PgDeletionGuard(db());
    const left = await g.pendingDecision(); // the previous test's
    if (left) await g.closeDecision(left.id, 'rejected', 'test');
    const expiresAt = new Date(Date.now() + 86_400_000);
    const d = await g.hold({
      runId: 'a1',
      deletions: [pending('a1', 201), pending('a1', 202)],
      reason: 'past',
      expiresAt,
    });
    const approvedAt = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await g.hold({ runId: 'a2', deletions: [pending('a2', 203)], reason: 'past', expiresAt });
    const first = await g.beginApplying(d.id, { by: 'ops', approvedAt, successorExpiresAt: expiresAt });
    assert.equal(first.applying, true);
    assert.ok(first.successor && first.successor.id !== d.id);
    assert.deepEqual(
      (await g.heldDeletions(d.id, 10)).map((h) => h.engageUserId),
      [201, 202],
    );
    assert.deepEqual(
      (await g.heldDeletions(first.successor!.id, 10)).map((h) => h.engageUserId),
      [203],
    );
    const again = await g.beginApplying(d.id, { by: 'ops', approvedAt, successorExpiresAt: expiresAt });
    assert.equal(again.successor?.id, first.successor!.id, 'a retry changes nothing');
    const later = await g.hold({ runId: 'a3', deletions: [pending('a3', 204)], reason: 'past', expiresAt });
    assert.equal(later.id, first.successor!.id, 'later holds go to the new decision');
    assert.equal(await g.countHeldByRun('a3'), 1);
    assert.deepEqual(await g.closeDecision(d.id, 'approved', 'ops'), { closed: true, dropped: 2 });
    assert.deepEqual(
      await g.closeDecision(d.id, 'approved', 'ops'),
      { closed: true, dropped: 0 },
      'a retried close',
    );
  });
});
