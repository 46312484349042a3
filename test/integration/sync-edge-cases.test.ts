// Edge cases found in review: they must fail one user (or one location) with a reason, never the
// run, never take over someone else's Visitor account, and never hold back a leaver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInvariants } from '../../dev/harness/invariants';
import { addLocations, addUsers, softDelete } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

const failureCodes = async (h: SyncHarness) =>
  Object.fromEntries(
    (await h.sync.db.selectFrom('sync.user_failures').select(['engage_user_id', 'codes']).execute()).map(
      (f) => [f.engage_user_id, f.codes],
    ),
  );

test("a rehire with a leaver's e-mail never takes over the leaver's Visitor user; e-mail swaps fail per user", async () => {
  const h = await SyncHarness.create('edge_identity', { env: { SYNC_DELETE_THRESHOLD_PERCENT: '100' } });
  try {
    await addLocations(h.engage.db, ['Bern']);
    const [leaver, a, b] = await addUsers(h.engage.db, [
      { username: 'sam.jones@example.com' },
      { username: 'alex.one@example.com' },
      { username: 'alex.two@example.com' },
    ]);
    await h.startWorker();
    assert.equal((await h.runSync({ kind: 'initial' })).counts.created, 3);
    const before = await h.visitorState();
    const samVisitorId = before.users.find((u) => u.externalId === String(leaver))!.id;

    // Same day: the leaver goes, a new hire gets the same e-mail (username freed by the soft delete);
    // and two colleagues swap e-mail addresses.
    await softDelete(h.engage.db, [leaver!]);
    const [rehire] = await addUsers(h.engage.db, [{ username: 'sam.jones@example.com' }]);
    await h.engage.db
      .updateTable('engage.users')
      .set({ username: 'tmp@example.com', email: 'tmp@example.com' })
      .where('id', '=', a!)
      .execute();
    await h.engage.db
      .updateTable('engage.users')
      .set({ username: 'alex.one@example.com', email: 'alex.one@example.com' })
      .where('id', '=', b!)
      .execute();
    await h.engage.db
      .updateTable('engage.users')
      .set({ username: 'alex.two@example.com', email: 'alex.two@example.com' })
      .where('id', '=', a!)
      .execute();

    const day1 = await h.runSync({ kind: 'daily' });
    assert.equal(day1.status, 'completed', day1.reason);
    assert.equal(day1.counts.deleted, 1, 'the leaver is deleted at the end of the run');
    const codes = await failureCodes(h);
    assert.deepEqual(codes[rehire!], ['identity_taken'], "the rehire did not adopt the leaver's account");
    assert.ok(
      codes[a!]?.includes('visitor_conflict') || codes[b!]?.includes('visitor_conflict'),
      'the swap conflicts per user',
    );
    const mid = await h.visitorState();
    assert.equal(
      mid.users.find((u) => u.id === samVisitorId),
      undefined,
      "the leaver's account is gone, not relinked",
    );

    // Next day the rehire gets an account of their own.
    const day2 = await h.runSync({ kind: 'daily' });
    assert.equal(day2.status, 'completed', day2.reason);
    const after = await h.visitorState();
    const rehired = after.users.find((u) => u.externalId === String(rehire));
    assert.ok(rehired && rehired.id !== samVisitorId);
  } finally {
    await h.close();
  }
});

test('a location Visitor refuses fails alone: the run goes on and its users are provisioned', async () => {
  const h = await SyncHarness.create('edge_location');
  try {
    await addLocations(h.engage.db, ['Zurich', 'Z'.repeat(300)]);
    await addUsers(h.engage.db, [{}, {}]);
    await h.startWorker();
    const r = await h.runSync({ kind: 'initial' });
    assert.equal(r.status, 'completed', r.reason);
    assert.deepEqual(r.locations, {
      created: 1,
      updated: 0,
      unchanged: 0,
      matched: 0,
      awaitingMatch: 0,
      orphaned: 0,
      failed: 1,
    });
    assert.equal(r.counts.created, 2);
    const log = await h.sync.db
      .selectFrom('sync.log')
      .select(['outcome'])
      .where('object_type', '=', 'location')
      .where('outcome', '=', 'failed')
      .execute();
    assert.equal(log.length, 1);
  } finally {
    await h.close();
  }
});

test('a quarantined user who leaves Engage is deprovisioned at once, not after the back-off', async () => {
  // Long values refused (not shortened): a title of 300 characters is the bad data that fails the user.
  const h = await SyncHarness.create('edge_quarantine', {
    env: { SYNC_DELETE_THRESHOLD_PERCENT: '100', SYNC_LONG_VALUES: 'refuse' },
  });
  try {
    await addLocations(h.engage.db, ['Basel']);
    const [u] = await addUsers(h.engage.db, [{ username: 'kim.lee@example.com' }, {}]);
    await h.startWorker();
    await h.runSync({ kind: 'initial' });
    // Then their data goes bad (too long a title) for three runs: back-off starts.
    await h.engage.db
      .updateTable('engage.users')
      .set({ job_title: 'T'.repeat(300) })
      .where('id', '=', u!)
      .execute();
    for (let i = 0; i < 3; i++) await h.runSync({ kind: 'daily' });
    assert.equal((await h.runSync({ kind: 'daily' })).counts.quarantined, 1);
    await softDelete(h.engage.db, [u!]);
    const r = await h.runSync({ kind: 'daily' });
    assert.equal(r.counts.deleted, 1);
    assert.equal(
      (await h.visitorState()).users.find((x) => x.externalId === String(u)),
      undefined,
    );
    assert.deepEqual(await checkInvariants(h), []);
  } finally {
    await h.close();
  }
});
