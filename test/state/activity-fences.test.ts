// state/activity-fences.ts over PostgreSQL: one holder per key; a later attempt waits for it, an
// earlier one is refused; a holder whose session ends loses the hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { PgAttemptFences } from '../../state/activity-fences';
import { syncDatabase } from './fixtures';

const { db } = syncDatabase('activity_fences');

const wait = (signal = new AbortController().signal) => {
  const w = { signal, waits: 0, onWait: () => w.waits++ };
  return w;
};

describe('PgAttemptFences', () => {
  it('a later attempt waits for the holder, then holds; the earlier one no longer does', async () => {
    const fences = new PgAttemptFences(db());
    const first = await fences.claim('k1', 1_000, wait());
    assert.ok(first);
    assert.equal(await first.holds(), true);
    const w2 = wait();
    let second: Awaited<ReturnType<typeof fences.claim>> | undefined;
    const claiming = fences.claim('k1', 2_000, w2).then((l) => {
      second = l;
      return l;
    });
    await new Promise((r) => setTimeout(r, 2_500)); // past one lock wait: it heartbeats and waits on
    assert.equal(second, undefined, 'the later attempt waits while the first one holds');
    assert.ok(w2.waits >= 1);
    await first.release();
    const lease = await claiming;
    assert.ok(lease);
    assert.equal(await lease.holds(), true);
    assert.equal(await first.holds(), false);
    await lease.release();
    const row = await db()
      .selectFrom('sync.activity_fences')
      .selectAll()
      .where('key', '=', 'k1')
      .executeTakeFirst();
    assert.equal(Number(row?.token), 2_000);
  });

  it('an attempt scheduled before the recorded one is refused; other keys are independent', async () => {
    const fences = new PgAttemptFences(db());
    const late = await fences.claim('k2', 5_000, wait());
    await late!.release();
    assert.equal(await fences.claim('k2', 4_000, wait()), null);
    const other = await fences.claim('k3', 1, wait());
    assert.ok(other);
    await other.release();
  });

  it('a holder whose database session ends loses the hold, and the next attempt gets it at once', async () => {
    const fences = new PgAttemptFences(db());
    const first = await fences.claim('k4', 1_000, wait());
    assert.ok(first);
    // As when its worker's connection dies: PostgreSQL ends the session, and the row lock with it.
    await sql`
      SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE c.relname = 'activity_fences' AND l.mode = 'RowShareLock' AND l.pid <> pg_backend_pid()`.execute(
      db(),
    );
    assert.equal(await first.holds(), false);
    const second = await fences.claim('k4', 2_000, wait());
    assert.ok(second);
    await second.release();
    await first.release().catch(() => undefined);
  });

  it('a cancelled claimant stops waiting', async () => {
    const fences = new PgAttemptFences(db());
    const first = await fences.claim('k5', 1_000, wait());
    const ac = new AbortController();
    const claiming = fences.claim('k5', 2_000, wait(ac.signal));
    ac.abort();
    await assert.rejects(claiming);
    await first!.release();
  });
});
