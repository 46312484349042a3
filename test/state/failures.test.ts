// Failure records: consecutive failures counted once per run, the back-off of domain/quarantine.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKOFF_BASE_MS, nextAttemptDelayMs, QUARANTINE_AFTER } from '../../domain/quarantine';
import { syncDatabase } from './fixtures';

const { db, store } = syncDatabase('failures');

const failure = async (id: number) => (await store().failuresByIds([id])).get(id);

describe('failure records', () => {
  it('records a first failure, retried at once', async () => {
    const before = Date.now();
    await store().recordFailure(1, 'run-1', ['missing_email'], { reason: 'no e-mail' });
    const f = (await failure(1))!;
    assert.equal(f.engageUserId, 1);
    assert.equal(f.failureCount, 1);
    assert.ok(f.nextAttemptAt.getTime() <= Date.now() + 1000, 'no back-off yet');
    assert.ok(f.nextAttemptAt.getTime() >= before - 1000);
    const row = await db()
      .selectFrom('sync.user_failures')
      .selectAll()
      .where('engage_user_id', '=', 1)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.codes, ['missing_email']);
    assert.deepEqual(row.detail, { reason: 'no e-mail' });
    assert.equal(row.last_run_id, 'run-1');
  });

  it('counts a run once, however often it records the same user (a retried attempt)', async () => {
    await store().recordFailure(2, 'run-1', ['a'], {});
    await store().recordFailure(2, 'run-1', ['b'], { again: true });
    await store().recordFailure(2, 'run-1', ['c'], {});
    assert.equal((await failure(2))!.failureCount, 1);
    await store().recordFailure(2, 'run-2', ['d'], {});
    assert.equal((await failure(2))!.failureCount, 2);
    await store().recordFailure(2, 'run-2', ['e'], {});
    assert.equal((await failure(2))!.failureCount, 2);
    const row = await db()
      .selectFrom('sync.user_failures')
      .select(['codes', 'detail'])
      .where('engage_user_id', '=', 2)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.codes, ['e'], 'the latest failure’s codes');
  });

  it('backs off once the user failed QUARANTINE_AFTER runs in a row', async () => {
    for (let run = 1; run < QUARANTINE_AFTER; run++) await store().recordFailure(3, `run-${run}`, ['x'], {});
    const early = (await failure(3))!;
    assert.equal(early.failureCount, QUARANTINE_AFTER - 1);
    assert.ok(early.nextAttemptAt.getTime() <= Date.now() + 1000);
    const t0 = Date.now();
    await store().recordFailure(3, `run-${QUARANTINE_AFTER}`, ['x'], {});
    const quarantined = (await failure(3))!;
    assert.equal(quarantined.failureCount, QUARANTINE_AFTER);
    const wait = quarantined.nextAttemptAt.getTime() - t0;
    assert.ok(Math.abs(wait - BACKOFF_BASE_MS) < 5000, `about a day, was ${wait} ms`);
    await store().recordFailure(3, 'run-next', ['x'], {});
    const longer = (await failure(3))!;
    const wait2 = longer.nextAttemptAt.getTime() - Date.now();
    assert.ok(Math.abs(wait2 - nextAttemptDelayMs(QUARANTINE_AFTER + 1)) < 5000);
    // The same run again: neither counted nor pushed further back.
    await store().recordFailure(3, 'run-next', ['x'], {});
    assert.equal((await failure(3))!.failureCount, QUARANTINE_AFTER + 1);
  });

  it('reads failures by id, and forgets a user’s on clearFailure', async () => {
    await store().recordFailure(4, 'run-1', ['x'], {});
    const got = await store().failuresByIds([1, 4, 999]);
    assert.deepEqual([...got.keys()].sort(), [1, 4]);
    assert.deepEqual(await store().failuresByIds([]), new Map());
    await store().clearFailure(4);
    await store().clearFailure(4); // idempotent
    assert.equal(await failure(4), undefined);
    await store().recordFailure(4, 'run-2', ['x'], {});
    assert.equal((await failure(4))!.failureCount, 1, 'counting starts over');
  });

  it('conflict failures in back-off are due at once when a deletion frees a name; others keep theirs', async () => {
    for (const run of ['c1', 'c2', 'c3', 'c4']) {
      await store().recordFailure(40, run, ['visitor_conflict'], {});
      await store().recordFailure(41, run, ['invalid_email'], {});
    }
    assert.ok((await failure(40))!.nextAttemptAt.getTime() > Date.now() + 3_600_000, 'in back-off');
    assert.ok((await store().retryConflictsNow()) >= 1);
    assert.ok((await failure(40))!.nextAttemptAt.getTime() <= Date.now() + 1000, 'due now');
    assert.ok((await failure(41))!.nextAttemptAt.getTime() > Date.now() + 3_600_000, 'others still wait');
    assert.equal((await failure(40))!.failureCount, 4, 'the count stays: failing again backs off again');
  });
});
