// engine/reconcile-page.ts: one Engage id range of users per call, over the fakes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityHash } from '../../engage/reader';
import type { Progress } from '../../engine/ports';
import { HEARTBEAT_EVERY_MS, reconcilePage, type UserPageInput } from '../../engine/reconcile-page';
import { pageInput } from './builders';
import { engageUser, type FakeWorld, fakeWorld, RecordingProgress, visitorError } from './fakes';

const daily = (runId: string, o: Partial<UserPageInput> = {}) => pageInput(runId, { kind: 'daily', ...o });

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function run(w: FakeWorld, input: UserPageInput, attempt = 1, progress: Progress = new RecordingProgress()) {
  return reconcilePage(w.engine, input, { progress, attempt });
}

/** Engage users `list`, all created in Visitor by a first (initial) page. */
async function synced(list: number[]) {
  const w = fakeWorld();
  w.engage.add(...list.map((id) => engageUser(id)));
  const r = await run(w, pageInput('r0'));
  assert.equal(r.counts.created, list.length);
  w.engage.calls = [];
  w.visitor.calls = [];
  w.store.logs = [];
  w.metrics.outcomes = [];
  return w;
}

/** Records the ids the page asks Engage for by id. */
function spyUsersByIds(w: FakeWorld) {
  const asked: number[][] = [];
  const original = w.engage.usersByIds.bind(w.engage);
  w.engage.usersByIds = (list) => {
    asked.push([...list].sort((a, b) => a - b));
    return original(list);
  };
  return asked;
}

const userNames = (w: FakeWorld) => [...w.visitor.users.values()].map((u) => u.userName).sort();

describe('reconcilePage: a range of users', () => {
  it('creates the users of (afterId, upToId] and touches nothing outside it', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 10).map((id) => engageUser(id)));
    const r = await run(w, pageInput('r1', { afterId: 3, upToId: 7 }));
    assert.deepEqual(r, { processed: 4, counts: { created: 4, invited: 4 } });
    assert.deepEqual(
      userNames(w),
      [4, 5, 6, 7].map((id) => `user${id}@example.com`),
    );
    assert.deepEqual([...w.store.users.keys()].sort(), [4, 5, 6, 7]);
    assert.deepEqual(w.visitor.invitationsSent.length, 4);
    const created = w.store.logs.filter((l) => l.outcome === 'created').map((l) => l.engage_id);
    assert.deepEqual(created.sort(), [4, 5, 6, 7]);
  });

  it('the bounds hold for stored states too: a leaver outside the range is not planned', async () => {
    const w = await synced(ids(1, 6));
    w.engage.users.delete(2); // gone: below the range
    w.engage.users.delete(6); // gone: above the range
    w.engage.users.delete(4); // gone: inside it
    const r = await run(w, daily('r1', { afterId: 2, upToId: 5 }));
    assert.deepEqual(r.counts, { unchanged: 2, pendingDeletion: 1 });
    assert.deepEqual(
      w.store.deletions.map((d) => d.engage_user_id),
      [4],
    );
    assert.equal(w.visitor.count('deleteUser'), 0, 'bulk runs hold deletions to the end');
  });

  it('an open range (null bounds) covers every user', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1), engageUser(1_000_000));
    const r = await run(w, pageInput('r1'));
    assert.equal(r.counts.created, 2);
  });

  it('reads Engage in several reads when the range holds more than 1,000 users', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 1500).map((id) => engageUser(id)));
    w.engage.invalid.set(50, 'bad row');
    w.engage.invalid.set(1400, 'bad row');
    const r = await run(w, pageInput('r1', { invitations: { mode: 'disabled' } }));
    assert.equal(w.engage.calls.filter((c) => c === 'usersPage').length, 2);
    assert.deepEqual(r.counts, { created: 1498, failed: 2 });
    assert.equal(r.processed, 1500);
    assert.equal(w.store.logs.filter((l) => l.action === 'read').length, 2, 'each bad row reported once');
  });

  it('writes the entries no state carries (failures) in batches of at most 200', async () => {
    const w = fakeWorld();
    const bad = { email: 'not-an-email', username: 'not-an-email' };
    w.engage.add(...ids(1, 450).map((id) => engageUser(id, bad)), engageUser(451));
    const batches: number[] = [];
    const log = w.store.log.bind(w.store);
    w.store.log = (entries) => {
      batches.push(entries.length);
      return log(entries);
    };
    await run(w, pageInput('r1'));
    assert.equal(
      batches.reduce((a, b) => a + b, 0),
      450,
    );
    assert.ok(batches.length >= 3, `${batches}`);
    assert.ok(Math.max(...batches) <= 200, `${batches}`);
    // The create's entry went with its state, not through a batch.
    assert.deepEqual(
      w.store.logs.filter((l) => l.outcome === 'created').map((l) => l.engage_id),
      [451],
    );
  });
});

describe('reconcilePage: malformed Engage rows', () => {
  it('are reported per user (failure, log entry, count) without blocking the others', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 5).map((id) => engageUser(id)));
    w.engage.invalid.set(2, 'updated_at: not a date');
    w.engage.invalid.set(4, 'active: not a boolean');
    const r = await run(w, pageInput('r1'));
    assert.deepEqual(r, { processed: 5, counts: { failed: 2, created: 3, invited: 3 } });
    assert.deepEqual(
      userNames(w),
      [1, 3, 5].map((id) => `user${id}@example.com`),
    );
    const f = w.store.failures.get(2)!;
    assert.deepEqual(f.codes, ['invalid_row']);
    assert.deepEqual(f.detail, { reason: 'updated_at: not a date' });
    assert.ok(w.store.failures.has(4));
    const read = w.store.logs.filter((l) => l.action === 'read');
    assert.deepEqual(
      read.map((l) => [l.engage_id, l.outcome, l.detail]),
      [
        [2, 'failed', { code: 'invalid_row', reason: 'malformed Engage row: updated_at: not a date' }],
        [4, 'failed', { code: 'invalid_row', reason: 'malformed Engage row: active: not a boolean' }],
      ],
    );
  });

  it('in a dry run: logged as planned and counted, no failure recorded', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1), engageUser(2));
    w.engage.invalid.set(2, 'bad');
    const r = await run(w, pageInput('r1', { dryRun: true }));
    assert.equal(r.counts.failed, 1);
    assert.equal(w.store.failures.size, 0);
    assert.deepEqual(
      w.store.logs.map((l) => [l.engage_id, l.action, l.outcome]),
      [
        [2, 'read', 'planned'],
        [1, 'create', 'planned'],
      ],
    );
  });

  it('a linked user whose row turns malformed is neither updated nor deprovisioned', async () => {
    const w = await synced([1, 2, 3]);
    w.engage.add(engageUser(2, { sourceDigest: 'digest-2-unreadable' })); // its row (so its digest) changed
    w.engage.invalid.set(2, 'bad');
    const r = await run(w, daily('r1'));
    assert.deepEqual(r.counts, { unchanged: 2, failed: 1 });
    assert.equal(w.store.deletions.length, 0);
    assert.equal(w.store.users.get(2)!.deprovisioned, false);
    assert.deepEqual(w.store.failures.get(2)?.codes, ['invalid_row']);
  });
});

describe('reconcilePage: a daily page passes unchanged users over', () => {
  it('compares digests, not rows: users whose stored plan input matches are not read', async () => {
    const w = await synced(ids(1, 5));
    const asked = spyUsersByIds(w);
    const r = await run(w, daily('r1'));
    assert.deepEqual(r, { processed: 5, counts: { unchanged: 5 } });
    assert.ok(w.engage.calls.includes('userDigests'));
    assert.ok(!w.engage.calls.includes('usersPage'), 'no full rows read');
    assert.deepEqual(asked.flat(), [], 'nobody read by id');
    assert.deepEqual(
      w.visitor.calls.map((c) => c.method),
      ['listLocations'],
    );
  });

  it('reads and plans only the users whose Engage row changed', async () => {
    const w = await synced(ids(1, 5));
    w.engage.add(engageUser(3, { jobTitle: 'Boss', sourceDigest: 'digest-3-v2' }));
    const asked = spyUsersByIds(w);
    const r = await run(w, daily('r1'));
    assert.deepEqual(r.counts, { unchanged: 4, updated: 1 });
    assert.deepEqual(asked, [[3]]);
    assert.deepEqual(
      w.visitor.calls.filter((c) => c.method === 'patchUser').map((c) => c.id),
      [w.store.users.get(3)!.visitorUserId],
    );
    assert.ok(w.store.users.get(3)!.planInput?.endsWith(':digest-3-v2'), 'the new input is stored');
  });

  it('always plans users with a failure record or in an identity conflict', async () => {
    const w = await synced(ids(1, 5));
    await w.store.recordFailure(2, 'r0', ['visitor_unavailable'], {});
    // user 6 is new and claims user 3's e-mail: 3 (linked) keeps it, 6 fails
    w.engage.add(engageUser(6, { username: 'user3@example.com', email: 'user3@example.com' }));
    w.engage.groups = [{ identityHash: identityHash('user3@example.com'), userIds: [3, 6] }];
    const asked = spyUsersByIds(w);
    const r = await run(w, daily('r1'));
    assert.deepEqual(asked, [[2, 3, 6]], '1, 4 and 5 passed over');
    assert.deepEqual(r, { processed: 6, counts: { unchanged: 5, failed: 1 } });
    assert.equal(w.store.failures.has(2), false, 'planned unchanged: its failure is cleared');
    assert.deepEqual(w.store.failures.get(6)?.codes, ['duplicate_identity']);
    assert.equal(w.visitor.count('createUser'), 0);
  });

  it('plans a user gone from Engage (no digest): its deletion is held to the end of the run', async () => {
    const w = await synced(ids(1, 3));
    w.engage.users.delete(2);
    const asked = spyUsersByIds(w);
    const r = await run(w, daily('r1'));
    assert.deepEqual(asked, [[2]]);
    assert.deepEqual(r.counts, { unchanged: 2, pendingDeletion: 1 });
    assert.deepEqual(
      w.store.deletions.map((d) => [d.run_id, d.engage_user_id, d.mode, d.reason]),
      [['r1', 2, 'deactivate', 'removed_from_engage']],
    );
  });

  it('reads rows when no stored state records its input yet', async () => {
    const w = await synced(ids(1, 3));
    for (const u of w.store.users.values()) u.planInput = null;
    const r = await run(w, daily('r1'));
    assert.deepEqual(r.counts, { unchanged: 3 });
    assert.ok(w.engage.calls.includes('usersPage'));
    assert.ok(!w.engage.calls.includes('userDigests'));
  });

  it('a full page compares nothing: it reads every row and every linked Visitor user', async () => {
    const w = await synced(ids(1, 3));
    const r = await run(w, daily('r1', { full: true }));
    assert.deepEqual(r.counts, { unchanged: 3 });
    assert.ok(!w.engage.calls.includes('userDigests'));
    assert.equal(w.visitor.count('getUser'), 3);
  });
});

describe('reconcilePage: plan-input stamps', () => {
  it('stamps the new input of users planned unchanged; the next page passes them over', async () => {
    const w = await synced(ids(1, 5));
    const current = w.store.users.get(3)!.planInput!;
    const context = current.split(':')[0];
    w.store.users.get(1)!.planInput = 'old-context:digest-1-v1';
    w.store.users.get(2)!.planInput = null;
    const r = await run(w, daily('r1'));
    assert.deepEqual(r.counts, { unchanged: 5 });
    assert.deepEqual(
      w.store.stamps.sort((a, b) => a.engageUserId - b.engageUserId),
      [
        { engageUserId: 1, planInput: `${context}:digest-1-v1` },
        { engageUserId: 2, planInput: `${context}:digest-2-v1` },
      ],
    );
    const asked = spyUsersByIds(w);
    await run(w, daily('r2'));
    assert.deepEqual(asked.flat(), [], 'all five passed over now');
  });

  it('a dry run stamps nothing', async () => {
    const w = await synced(ids(1, 2));
    w.store.users.get(1)!.planInput = 'old';
    await run(w, daily('r1', { dryRun: true }));
    assert.deepEqual(w.store.stamps, []);
    assert.equal(w.store.users.get(1)!.planInput, 'old');
  });

  it('a stamp error fails an otherwise good page', async () => {
    const w = await synced(ids(1, 2));
    w.store.users.get(1)!.planInput = 'old';
    const stampError = new Error('stamp failed');
    w.store.failNext('stampPlanInputs', stampError);
    await assert.rejects(run(w, daily('r1')), (e) => e === stampError);
  });

  it('a stamp error does not replace the page’s own error', async () => {
    const w = await synced(ids(1, 3));
    w.store.users.get(1)!.planInput = 'old';
    w.engage.add(engageUser(4));
    const pageError = new Error('saveUser failed');
    w.store.failNext('saveUser', pageError);
    w.store.failNext('stampPlanInputs', new Error('stamp failed'));
    await assert.rejects(run(w, daily('r1')), (e) => e === pageError);
  });

  it('a log error does not replace the page’s own error (a final one must stay final)', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1), engageUser(2));
    const authError = visitorError(401);
    w.visitor.failNext('createUser', authError, 2);
    w.store.failNext('log', new Error('log write failed'));
    await assert.rejects(run(w, pageInput('r1')), (e) => e === authError);
  });
});

describe('reconcilePage: Visitor errors', () => {
  it('stops early with `fatal` once Visitor refuses most writes', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 250).map((id) => engageUser(id)));
    w.visitor.failNext('createUser', visitorError(400, 'invalidValue'), 1000);
    const r = await run(w, pageInput('r1'));
    assert.match(r.fatal ?? '', /^stopped early: Visitor refused \d+ of \d+ user writes/);
    const tried = w.visitor.count('createUser');
    assert.ok(tried >= 200 && tried < 250, `tried ${tried}`);
    assert.equal(r.processed, tried);
    assert.equal(r.counts.failed, tried);
    assert.equal(r.counts.writeFailures, tried);
    assert.equal(w.store.failures.size, tried, 'every refused user recorded');
    assert.equal(w.store.logs.filter((l) => l.outcome === 'failed').length, tried);
    assert.deepEqual(w.metrics.outcomes, [r.counts]);
  });

  it('does not stop for failures that are not Visitor writes (invalid data)', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 210).map((id) => engageUser(id, { username: `nobody-${id}`, email: null })));
    const r = await run(w, pageInput('r1'));
    assert.equal(r.fatal, undefined);
    assert.deepEqual(r.counts, { failed: 210 });
    assert.equal(w.visitor.count('createUser'), 0);
  });

  it('a user Visitor refuses (409) is recorded failed; the others go on', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 3).map((id) => engageUser(id)));
    w.visitor.failNext('createUser', visitorError(409, 'uniqueness', 'taken'));
    const r = await run(w, pageInput('r1'));
    assert.deepEqual(r.counts, { failed: 1, writeFailures: 1, created: 2, invited: 2 });
    const [failedId, failure] = [...w.store.failures][0]!;
    assert.deepEqual(failure.codes, ['visitor_conflict']);
    assert.deepEqual(failure.detail, {
      status: 409,
      scimType: 'uniqueness',
      detail: 'taken',
      route: '/Users/{id}',
    });
    const entry = w.store.logs.find((l) => l.outcome === 'failed')!;
    assert.equal(entry.engage_id, failedId);
    assert.equal(entry.action, 'write');
  });

  it('an auth error fails the page', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 3).map((id) => engageUser(id)));
    const auth = visitorError(401);
    w.visitor.failNext('createUser', auth);
    await assert.rejects(run(w, pageInput('r1')), (e) => e === auth);
    assert.equal(w.store.failures.size, 0);
  });

  it('a transient error fails the page, until the fifth attempt records it for that user', async () => {
    for (const [attempt, fails] of [
      [4, true],
      [5, false],
    ] as const) {
      const w = fakeWorld();
      w.engage.add(engageUser(1), engageUser(2));
      w.visitor.failNext('createUser', visitorError(503));
      const p = run(w, pageInput('r1'), attempt);
      if (fails) {
        await assert.rejects(p, (e: unknown) => (e as Error).name === 'VisitorServerError');
        assert.equal(w.store.failures.size, 0);
      } else {
        const r = await p;
        assert.deepEqual(r.counts, { failed: 1, writeFailures: 1, created: 1, invited: 1 });
        assert.deepEqual([...w.store.failures.values()][0]!.codes, ['visitor_unavailable']);
      }
    }
  });

  it('an error that is not one user’s fails the page after logging what was done', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 20).map((id) => engageUser(id)));
    const boom = new Error('database gone');
    w.store.failNext('saveUser', boom);
    await assert.rejects(run(w, pageInput('r1')), (e) => e === boom);
    const started = w.visitor.count('createUser');
    assert.ok(started < 20, `no user starts after the error (${started} started)`);
    const saved = [...w.store.users.keys()].sort((a, b) => a - b);
    assert.ok(saved.length > 0);
    assert.deepEqual(
      w.store.logs
        .filter((l) => l.outcome === 'created')
        .map((l) => l.engage_id)
        .sort((a, b) => a! - b!),
      saved,
      'every user saved is logged',
    );
    // The retry adopts the Visitor user created before the failure: nobody twice in Visitor.
    const r = await run(w, pageInput('r1'), 2);
    assert.equal(w.visitor.users.size, 20);
    assert.equal((r.counts.created ?? 0) + (r.counts.adopted ?? 0), 20 - saved.length);
    assert.equal(r.counts.unchanged, saved.length);
    assert.equal(new Set(w.visitor.invitationsSent).size, 20);
    assert.equal(w.visitor.invitationsSent.length, 20, 'nobody e-mailed twice');
  });
});

describe('reconcilePage: progress', () => {
  it('starts no user when the attempt is already cancelled', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 5).map((id) => engageUser(id)));
    const progress = new RecordingProgress();
    progress.abort();
    await run(w, pageInput('r1'), 1, progress);
    assert.equal(w.visitor.count('createUser'), 0);
    assert.equal(w.store.users.size, 0);
  });

  it('starts no further user once cancelled mid-page', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 50).map((id) => engageUser(id)));
    const progress = new RecordingProgress();
    const create = w.visitor.createUser.bind(w.visitor);
    let completed = 0;
    w.visitor.createUser = async (body, o) => {
      const r = await create(body, o);
      if (++completed === 3) progress.abort();
      return r;
    };
    await run(w, pageInput('r1'), 1, progress);
    const started = w.visitor.count('createUser');
    assert.ok(started <= 3 + 2 * w.engine.concurrency, `${started} started`);
    assert.equal(w.store.users.size, started, 'the users under way finished');
  });

  it(`heartbeats at most once per ${HEARTBEAT_EVERY_MS} ms of the clock, with how far it got`, async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 60).map((id) => engageUser(id)));
    const create = w.visitor.createUser.bind(w.visitor);
    w.visitor.createUser = async (body, o) => {
      w.clock.advance(150);
      return create(body, o);
    };
    const beats: { at: number; details: { done: number; of: number } }[] = [];
    const started = w.clock.now();
    await run(w, pageInput('r1'), 1, {
      signal: new AbortController().signal,
      beat: (details) => beats.push({ at: w.clock.now(), details: details as { done: number; of: number } }),
    });
    const elapsed = w.clock.now() - started;
    assert.ok(beats.length >= 2, `${beats.length} beats`);
    assert.ok(beats.length <= elapsed / HEARTBEAT_EVERY_MS + 1, `${beats.length} beats in ${elapsed} ms`);
    for (let i = 1; i < beats.length; i++) {
      assert.ok(beats[i]!.at - beats[i - 1]!.at >= HEARTBEAT_EVERY_MS);
      assert.ok(beats[i]!.details.done > beats[i - 1]!.details.done);
    }
    for (const b of beats) assert.equal(b.details.of, 60);
  });
});

describe('reconcilePage: metrics', () => {
  it('reports the page’s outcomes, and none for a dry run', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1), engageUser(2));
    const r = await run(w, pageInput('r1'));
    assert.deepEqual(w.metrics.outcomes, [r.counts]);
    assert.deepEqual(w.metrics.outcomes, [{ created: 2, invited: 2 }]);
    w.engage.add(engageUser(3));
    await run(w, pageInput('r2', { dryRun: true }));
    assert.equal(w.metrics.outcomes.length, 1);
  });
});
