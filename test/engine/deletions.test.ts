// engine/deletions.ts: deletions held to the end of a run, the safety rule, and applying them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noProgress } from '../../engine/defaults';
import { applyDeletions, deletionSummary, judgeDeletions, rejectDeletions } from '../../engine/deletions';
import { openDailyRun, runLogEntry, seedLinked } from './builders';
import { engageUser, type FakeWorld, fakeWorld, RecordingProgress, visitorError } from './fakes';

const threshold = { count: 500, percent: 20 };

describe('judgeDeletions (pure)', () => {
  it('lets deletions under both thresholds through', () => {
    assert.deepEqual(judgeDeletions({ pending: 20, linked: 100, engageActive: 80 }, threshold), {
      holdReason: null,
      refuseReason: null,
    });
    assert.deepEqual(judgeDeletions({ pending: 500, linked: 10_000, engageActive: 9_500 }, threshold), {
      holdReason: null,
      refuseReason: null,
    });
  });

  it('holds past the count', () => {
    const r = judgeDeletions({ pending: 501, linked: 100_000, engageActive: 99_000 }, threshold);
    assert.equal(r.refuseReason, null);
    assert.match(r.holdReason ?? '', /^501 deletions \(0\.5% of 100000 provisioned users\) exceed/);
  });

  it('holds past the percentage of linked users', () => {
    const r = judgeDeletions({ pending: 21, linked: 100, engageActive: 79 }, threshold);
    assert.match(r.holdReason ?? '', /21 deletions \(21\.0% of 100 provisioned users\)/);
    assert.match(r.holdReason ?? '', /threshold of 500 users or 20%: approve or reject/);
  });

  it('refuses when Engage has no active users (and holds too, past a threshold)', () => {
    const r = judgeDeletions({ pending: 100, linked: 100, engageActive: 0 }, threshold);
    assert.match(r.refuseReason ?? '', /Engage returned no active users: 100 deletions refused/);
    assert.notEqual(r.holdReason, null);
    const few = judgeDeletions({ pending: 1, linked: 100, engageActive: 0 }, threshold);
    assert.notEqual(few.refuseReason, null, 'refused however few');
    assert.equal(few.holdReason, null);
  });

  it('nothing pending is never held nor refused, even with an empty Engage', () => {
    assert.deepEqual(judgeDeletions({ pending: 0, linked: 0, engageActive: 0 }, threshold), {
      holdReason: null,
      refuseReason: null,
    });
  });
});

const visitorIdOf = (w: FakeWorld, id: number) => w.store.users.get(id)!.visitorUserId!;

/** Linked users 1..n in Visitor and the state; pending deletions of `run` for `pending` of them. */
function world(n: number, pending: number[], mode: 'delete' | 'deactivate' = 'delete', run = 'r1') {
  const w = fakeWorld();
  for (let id = 1; id <= n; id++) seedLinked(w, id);
  for (const id of pending) {
    const visitorUserId = visitorIdOf(w, id);
    w.store.seedDeletion({ runId: run, engageUserId: id, visitorUserId, mode, reason: 'deleted_in_engage' });
  }
  return w;
}

describe('deletionSummary', () => {
  it('under the thresholds: counts, and leaves the run running', async () => {
    const w = world(10, [1]);
    await openDailyRun(w);
    w.engage.add(...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((id) => engageUser(id)));
    assert.deepEqual(await deletionSummary(w.engine, { runId: 'r1' }), {
      pending: 1,
      linked: 10,
      holdReason: null,
      refuseReason: null,
    });
    assert.equal(w.store.runs.get('r1')!.status, 'running');
  });

  it('held: the run shows awaiting-approval with the reason', async () => {
    const w = world(10, [1, 2, 3]);
    await openDailyRun(w);
    w.engage.add(...[4, 5, 6, 7, 8, 9, 10].map((id) => engageUser(id)));
    const s = await deletionSummary(w.engine, { runId: 'r1' });
    assert.equal(s.pending, 3);
    assert.match(s.holdReason ?? '', /30\.0% of 10/);
    const run = w.store.runs.get('r1')!;
    assert.equal(run.status, 'awaiting-approval');
    assert.equal(run.reason, s.holdReason);
  });

  it('refused (empty Engage): the run is not put up for approval', async () => {
    const w = world(10, [1, 2, 3]);
    await openDailyRun(w);
    const s = await deletionSummary(w.engine, { runId: 'r1' });
    assert.notEqual(s.refuseReason, null);
    assert.notEqual(s.holdReason, null);
    assert.equal(w.store.runs.get('r1')!.status, 'running');
  });

  it('counts only this run’s pending deletions', async () => {
    const w = world(10, [1, 2], 'delete', 'other-run');
    await openDailyRun(w);
    w.engage.add(engageUser(5));
    assert.equal((await deletionSummary(w.engine, { runId: 'r1' })).pending, 0);
  });
});

describe('applyDeletions', () => {
  it('a deletion (not a deactivation) makes conflict failures in back-off due: the name is free', async () => {
    for (const mode of ['deactivate', 'delete'] as const) {
      const w = world(3, [1], mode);
      await openDailyRun(w);
      const later = new Date(w.clock.now() + 86_400_000);
      w.store.failures.set(2, {
        engageUserId: 2,
        failureCount: 3,
        lastFailedAt: new Date(w.clock.now()),
        nextAttemptAt: later,
        codes: ['visitor_conflict'],
        lastRunId: 'r0',
        detail: {},
      });
      await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
      const due = w.store.failures.get(2)!.nextAttemptAt.getTime() <= w.clock.now();
      assert.equal(due, mode === 'delete', mode);
    }
  });

  it('deletes in delete mode: Visitor user gone, state unlinked and deprovisioned, logged', async () => {
    const w = world(3, [1, 2]);
    await openDailyRun(w);
    w.store.runs.get('r1')!.status = 'awaiting-approval';
    const v1 = visitorIdOf(w, 1);
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.deepEqual(r, { applied: 2, counts: { deleted: 2 }, remaining: 0 });
    assert.equal(w.store.runs.get('r1')!.status, 'running', 'an approved run runs again');
    assert.equal(w.visitor.users.has(v1), false);
    assert.equal(w.visitor.users.size, 1);
    const s1 = w.store.users.get(1)!;
    assert.equal(s1.visitorUserId, null);
    assert.equal(s1.deprovisioned, true);
    assert.deepEqual(s1.ownedAccess, {});
    assert.equal(w.store.users.get(3)!.deprovisioned, false, 'others untouched');
    assert.deepEqual(
      w.store.deletions.map((d) => d.status),
      ['applied', 'applied'],
    );
    const entries = w.store.logs.filter((l) => l.object_type === 'user');
    assert.deepEqual(
      entries.map((e) => [e.engage_id, e.action, e.outcome, e.visitor_id, e.user_name]).sort(),
      [
        [1, 'delete', 'deleted', v1, 'user1@example.com'],
        [2, 'delete', 'deleted', entries.find((e) => e.engage_id === 2)!.visitor_id, 'user2@example.com'],
      ],
    );
    assert.deepEqual(entries[0]!.detail, { reason: 'deleted_in_engage' });
    assert.deepEqual(w.metrics.outcomes, [{ deleted: 2 }]);
  });

  it('deactivates in deactivate mode: Visitor user kept inactive, state keeps the link', async () => {
    const w = world(2, [1], 'deactivate');
    await openDailyRun(w);
    const v1 = visitorIdOf(w, 1);
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.deepEqual(r.counts, { deactivated: 1 });
    assert.equal(w.visitor.users.get(v1)!.active, false);
    assert.equal(w.visitor.count('deleteUser'), 0);
    const s = w.store.users.get(1)!;
    assert.equal(s.visitorUserId, v1);
    assert.equal(s.deprovisioned, true);
    assert.equal(w.store.logs[0]!.outcome, 'deactivated');
  });

  it('a Visitor user already gone counts as deprovisioned (404 on deactivate)', async () => {
    const w = world(1, [1], 'deactivate');
    await openDailyRun(w);
    w.visitor.users.clear();
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.equal(r.applied, 1);
    assert.equal(w.store.users.get(1)!.deprovisioned, true);
  });

  it('skips (stale) users who came back in Engage, whose link changed, or who have no state', async () => {
    const w = world(5, [1, 2, 3, 4, 5]);
    await openDailyRun(w);
    w.engage.add(engageUser(1)); // back: active again
    w.engage.add(engageUser(5, { deletedAt: new Date() })); // still deleted: goes
    w.store.users.get(2)!.visitorUserId = 'v-relinked'; // a per-user run relinked it meanwhile
    w.store.users.delete(3);
    const kept = [1, 2, 3].map(
      (id) => w.store.deletions.find((d) => d.engage_user_id === id)!.visitor_user_id,
    );
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.equal(r.applied, 2);
    assert.deepEqual(r.counts, { deleted: 2 });
    for (const v of kept) assert.ok(w.visitor.users.has(v), `${v} kept in Visitor`);
    assert.deepEqual(
      w.store.deletions.map((d) => [d.engage_user_id, d.status]),
      [
        [1, 'stale'],
        [2, 'stale'],
        [3, 'stale'],
        [4, 'applied'],
        [5, 'applied'],
      ],
    );
    assert.equal(w.store.users.get(1)!.deprovisioned, false);
    assert.equal(w.store.users.get(2)!.visitorUserId, 'v-relinked');
    assert.deepEqual(w.store.logs.map((l) => l.engage_id).sort(), [4, 5], 'only what was applied is logged');
  });

  it('a user whose Engage row is back but malformed is not deprovisioned', async () => {
    // The page never deprovisions a user whose row it cannot read (reconcile-page.ts excludes
    // invalid rows; domain/plan-user.ts: "never deprovisioned for it"). Re-reading Engage here,
    // usersByIds answers such a row in `invalid`, which applyDeletions ignores: the user counts as
    // gone, and in delete mode its Visitor user is deleted.
    const w = world(2, [1, 2]);
    await openDailyRun(w);
    const v1 = visitorIdOf(w, 1);
    w.engage.add(engageUser(1));
    w.engage.invalid.set(1, 'updated_at: not a date');
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.ok(w.visitor.users.has(v1), 'the Visitor user of the unreadable row is kept');
    assert.equal(w.store.users.get(1)!.deprovisioned, false);
    assert.deepEqual(r.counts, { deleted: 1 }, 'only user 2 is deleted');
  });

  it('a leaver whose row turned malformed is still deprovisioned (its deleted_at still reads)', async () => {
    const w = world(1, [1]);
    await openDailyRun(w);
    const v1 = visitorIdOf(w, 1);
    w.engage.add(engageUser(1, { deletedAt: new Date('2026-01-04T00:00:00Z') }));
    w.engage.invalid.set(1, 'username: required');
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.equal(w.visitor.users.has(v1), false);
    assert.deepEqual(r.counts, { deleted: 1 });
  });

  it('an inactive Engage user has not come back', async () => {
    const w = world(1, [1], 'deactivate');
    await openDailyRun(w);
    w.engage.add(engageUser(1, { active: false }));
    assert.equal((await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress)).applied, 1);
  });

  it('works in batches of `limit` and reports what remains', async () => {
    const w = world(5, [1, 2, 3, 4, 5]);
    await openDailyRun(w);
    const first = await applyDeletions(w.engine, { runId: 'r1', limit: 2 }, noProgress);
    assert.deepEqual(first, { applied: 2, counts: { deleted: 2 }, remaining: 3 });
    const second = await applyDeletions(w.engine, { runId: 'r1', limit: 2 }, noProgress);
    assert.equal(second.remaining, 1);
    const third = await applyDeletions(w.engine, { runId: 'r1', limit: 2 }, noProgress);
    assert.deepEqual(third, { applied: 1, counts: { deleted: 1 }, remaining: 0 });
    assert.equal(w.visitor.count('deleteUser'), 5, 'each deleted once');
  });

  it('an error mid-way fails the attempt but logs what was applied; the retry does the rest', async () => {
    const w = world(
      20,
      [...Array(20).keys()].map((i) => i + 1),
    );
    await openDailyRun(w);
    const auth = visitorError(401);
    const deleteUser = w.visitor.deleteUser.bind(w.visitor);
    let calls = 0;
    w.visitor.deleteUser = async (id: string) => {
      if (++calls === 3) {
        w.visitor.calls.push({ method: 'deleteUser', id });
        throw auth;
      }
      return deleteUser(id);
    };
    await assert.rejects(
      applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress),
      (e) => e === auth,
    );
    const applied = w.store.deletions.filter((d) => d.status === 'applied').map((d) => d.engage_user_id);
    assert.ok(applied.length > 0 && applied.length < 20, `applied ${applied.length}`);
    assert.ok(calls < 20, 'no deletion starts after the failure');
    assert.deepEqual(
      w.store.logs.map((l) => l.engage_id).sort((a, b) => a! - b!),
      applied.sort((a, b) => a - b),
      'every applied deletion is logged',
    );
    assert.deepEqual(w.metrics.outcomes, [], 'no metrics for a failed attempt');
    w.visitor.deleteUser = deleteUser;
    const retry = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.equal(retry.applied, 20 - applied.length);
    assert.equal(retry.remaining, 0);
    assert.equal(w.visitor.users.size, 0);
  });

  it('a log write failing fails the attempt; the retry repeats that deletion and logs each one once', async () => {
    const w = world(2, [1, 2]);
    await openDailyRun(w);
    w.store.failNext('log', new Error('log down'));
    await assert.rejects(applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress), /log down/);
    assert.ok((await w.store.countPendingDeletions('r1')) > 0, 'the unlogged deletion is still pending');
    const retry = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, noProgress);
    assert.equal(retry.remaining, 0);
    assert.equal(w.visitor.users.size, 0);
    assert.deepEqual(
      w.store.logs.map((l) => l.engage_id).sort(),
      [1, 2],
      'each deletion logged once, none lost',
    );
  });

  it('starts no deletion once the attempt is cancelled', async () => {
    const w = world(3, [1, 2, 3]);
    await openDailyRun(w);
    const progress = new RecordingProgress();
    progress.abort();
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, progress);
    assert.deepEqual(r, { applied: 0, counts: {}, remaining: 3 });
    assert.equal(w.visitor.count('deleteUser'), 0);
  });

  it('stops starting deletions when cancelled mid-way', async () => {
    const w = world(
      40,
      [...Array(40).keys()].map((i) => i + 1),
    );
    await openDailyRun(w);
    const progress = new RecordingProgress();
    const deleteUser = w.visitor.deleteUser.bind(w.visitor);
    w.visitor.deleteUser = async (id: string) => {
      if (w.visitor.count('deleteUser') === 2) progress.abort();
      return deleteUser(id);
    };
    const r = await applyDeletions(w.engine, { runId: 'r1', limit: 200 }, progress);
    assert.ok(r.applied < 40);
    assert.equal(r.remaining, 40 - r.applied);
    assert.equal(w.visitor.count('deleteUser'), r.applied);
  });

  it('heartbeats the number applied, at most once a second of the clock', async () => {
    const w = world(
      40,
      [...Array(40).keys()].map((i) => i + 1),
    );
    await openDailyRun(w);
    const deleteUser = w.visitor.deleteUser.bind(w.visitor);
    w.visitor.deleteUser = async (id: string) => {
      w.clock.advance(100);
      return deleteUser(id);
    };
    const beats: number[] = [];
    const details: unknown[] = [];
    const started = w.clock.now();
    const r = await applyDeletions(
      w.engine,
      { runId: 'r1', limit: 200 },
      {
        signal: noProgress.signal,
        beat: (d) => {
          beats.push(w.clock.now());
          details.push(d);
        },
      },
    );
    assert.equal(r.applied, 40);
    assert.ok(beats.length >= 2, `beats: ${beats.length}`);
    assert.ok(beats.length <= (w.clock.now() - started) / 1000 + 1, `beats: ${beats.length}`);
    for (let i = 1; i < beats.length; i++) assert.ok(beats[i]! - beats[i - 1]! >= 1000);
    for (const d of details) assert.ok(typeof d === 'number' && d > 0 && d <= 40);
  });
});

describe('rejectDeletions', () => {
  it('rejects every pending deletion of the run, logs who decided, runs on', async () => {
    const w = world(4, [1, 2, 3]);
    w.store.seedDeletion({
      runId: 'other',
      engageUserId: 4,
      visitorUserId: visitorIdOf(w, 4),
      mode: 'delete',
      reason: 'x',
    });
    await openDailyRun(w);
    w.store.runs.get('r1')!.status = 'awaiting-approval';
    assert.deepEqual(await rejectDeletions(w.engine, { runId: 'r1', by: 'alice' }), { rejected: 3 });
    assert.equal(w.store.runs.get('r1')!.status, 'running');
    assert.deepEqual(
      w.store.deletions.map((d) => d.status),
      ['rejected', 'rejected', 'rejected', 'pending'],
    );
    assert.equal(w.visitor.users.size, 4, 'nobody deleted');
    assert.deepEqual(w.store.logs, [
      runLogEntry('r1', 'deletions', 'rejected', { rejected: 3, by: 'alice' }),
    ]);
  });
});
