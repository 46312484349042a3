// The CLIs' queries on runs, the provisioning log and held deletions, against a migrated database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  activeBulkRuns,
  failingUsers,
  logEntries,
  newestActiveRun,
  pendingDeletions,
  planEntries,
  planPage,
  planSummary,
  recentRuns,
  runById,
  runsByIds,
} from '../../clients/runs';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';

let database: TestDatabase<SyncDatabase>;
const db = () => database.db;

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute));

before(async () => {
  database = await freshDatabase<SyncDatabase>('clients', ['sync']);
  await db()
    .insertInto('sync.runs')
    .values([
      {
        id: 'initial-1',
        kind: 'initial',
        status: 'completed',
        workflow_id: 'initial-1',
        started_by: 'cli:ann',
        counts: JSON.stringify({ created: 5 }),
        started_at: at(0),
        finished_at: at(5),
      },
      {
        id: 'dry-1',
        kind: 'initial-dry-run',
        status: 'running',
        workflow_id: 'dry-1',
        dry_run: true,
        started_at: at(20),
      },
      {
        id: 'daily-1',
        kind: 'daily',
        status: 'awaiting-approval',
        workflow_id: 'daily-1',
        started_by: 'schedule',
        started_at: at(10),
      },
      { id: 'user-1', kind: 'user', status: 'running', workflow_id: 'user-1', started_at: at(30) },
    ])
    .execute();
  await db()
    .insertInto('sync.pending_deletions')
    .values(
      Array.from({ length: 25 }, (_, i) => ({
        run_id: 'daily-1',
        engage_user_id: 100 + i,
        visitor_user_id: `v-${100 + i}`,
        mode: 'delete',
        reason: 'left Engage',
        status: i === 0 ? 'applied' : 'pending',
      })),
    )
    .execute();
  const entry = (i: number, over: Record<string, unknown>) => ({
    run_id: 'dry-1',
    object_type: 'user' as const,
    engage_id: i,
    visitor_id: null,
    user_name: `user${i}@example.com`,
    action: 'create',
    outcome: 'planned',
    attributes: ['name', 'email'],
    detail: null,
    duration_ms: null,
    at: at(21),
    ...over,
  });
  await db()
    .insertInto('sync.log')
    .values([
      ...Array.from({ length: 7 }, (_, i) => entry(i + 1, {})),
      entry(8, { action: 'update', attributes: ['phone'] }),
      entry(9, { action: 'delete', attributes: null }),
      entry(10, { action: 'update', attributes: ['title'] }),
      // The same user, in real runs.
      entry(42, { run_id: 'initial-1', user_name: 'Ann.Lee@Example.com', outcome: 'created', at: at(1) }),
      entry(42, {
        run_id: 'daily-1',
        user_name: 'ann.lee@example.com',
        action: 'write',
        outcome: 'failed',
        attributes: null,
        detail: JSON.stringify({ status: 400 }),
        at: at(11),
      }),
      entry(43, {
        run_id: 'daily-1',
        user_name: 'bob@example.com',
        action: 'update',
        outcome: 'updated',
        at: at(12),
      }),
      // A location entry with an Engage id that equals a user's must not show up as that user.
      entry(42, {
        run_id: 'daily-1',
        object_type: 'location',
        user_name: null,
        action: 'update',
        outcome: 'updated',
        at: at(13),
      }),
    ])
    .execute();
});
after(async () => {
  await database.drop();
});

test('recentRuns lists newest first, limited, of one kind if asked; runById and runsByIds find runs', async () => {
  const runs = await recentRuns(db(), 3);
  assert.deepEqual(
    runs.map((r) => r.id),
    ['user-1', 'dry-1', 'daily-1'],
  );
  assert.deepEqual(
    (await recentRuns(db(), 10, 'initial')).map((r) => r.id),
    ['dry-1', 'initial-1'],
    'one kind, its dry runs included',
  );
  assert.deepEqual(
    (await recentRuns(db(), 10, 'user')).map((r) => r.id),
    ['user-1'],
  );
  const initial = await runById(db(), 'initial-1');
  assert.deepEqual(initial?.counts, { created: 5 });
  assert.equal(initial?.started_by, 'cli:ann');
  assert.ok(initial?.finished_at instanceof Date);
  assert.equal(await runById(db(), 'nope'), undefined);
  assert.deepEqual([...(await runsByIds(db(), ['daily-1', 'nope'])).keys()], ['daily-1']);
  assert.equal((await runsByIds(db(), [])).size, 0);
});

test('activeBulkRuns: only real initial/daily runs still going; newestActiveRun includes dry runs', async () => {
  assert.deepEqual(
    (await activeBulkRuns(db())).map((r) => r.id),
    ['daily-1'],
  );
  assert.equal((await newestActiveRun(db()))?.id, 'dry-1');
});

test('pendingDeletions counts every held deletion and lists the first ones by Engage id', async () => {
  const held = await pendingDeletions(db(), 'daily-1', 20);
  assert.equal(held.total, 24, 'the applied one is not held');
  assert.equal(held.rows.length, 20);
  assert.deepEqual(held.rows[0], {
    engage_user_id: 101,
    visitor_user_id: 'v-101',
    mode: 'delete',
    reason: 'left Engage',
  });
  assert.deepEqual(await pendingDeletions(db(), 'initial-1', 20), { total: 0, rows: [] });
});

test('planSummary counts planned entries per action, most frequent first', async () => {
  assert.deepEqual(await planSummary(db(), 'dry-1'), [
    { action: 'create', count: 7 },
    { action: 'update', count: 2 },
    { action: 'delete', count: 1 },
  ]);
  assert.deepEqual(await planSummary(db(), 'initial-1'), [], 'a real run has no planned entries');
});

test('planEntries pages through every planned entry in log order without repeats', async () => {
  const seen: number[] = [];
  for await (const e of planEntries(db(), 'dry-1', 3)) seen.push(e.engage_id!);
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // Exactly a multiple of the page size: ends cleanly.
  let n = 0;
  for await (const _ of planEntries(db(), 'dry-1', 5)) n++;
  assert.equal(n, 10);
  const first = await planPage(db(), 'dry-1', { limit: 2 });
  const next = await planPage(db(), 'dry-1', { afterId: first[1]!.id, limit: 2 });
  assert.deepEqual(
    next.map((e) => e.engage_id),
    [3, 4],
  );
  assert.deepEqual(first[0]!.attributes, ['name', 'email']);
});

test('logEntries finds a user by Engage id or case-insensitive e-mail, newest first', async () => {
  const byId = await logEntries(db(), { user: '42', limit: 10 });
  assert.deepEqual(
    byId.map((e) => [e.run_id, e.outcome]),
    [
      ['daily-1', 'failed'],
      ['initial-1', 'created'],
    ],
    'user entries only, not the location with the same id',
  );
  assert.deepEqual(byId[0]!.detail, { status: 400 });
  const byMail = await logEntries(db(), { user: ' ANN.LEE@example.COM ', limit: 10 });
  assert.deepEqual(
    byMail.map((e) => e.run_id),
    ['daily-1', 'initial-1'],
  );
  assert.equal((await logEntries(db(), { user: 'ann.lee@example.com', limit: 1 })).length, 1);
});

test('logEntries filters by run and outcome', async () => {
  const run = await logEntries(db(), { runId: 'daily-1', limit: 10 });
  assert.deepEqual(
    run.map((e) => e.outcome),
    ['updated', 'updated', 'failed'],
  );
  const failed = await logEntries(db(), { runId: 'daily-1', outcome: 'failed', limit: 10 });
  assert.deepEqual(
    failed.map((e) => e.engage_id),
    [42],
  );
  assert.deepEqual(await logEntries(db(), { user: 'bob@example.com', runId: 'initial-1', limit: 10 }), []);
});

test("logEntries by a per-user workflow's id finds every run of it, not another user's", async () => {
  await db()
    .insertInto('sync.runs')
    .values([
      {
        id: 'provision-user-77-aaaa1111',
        kind: 'user',
        status: 'completed',
        workflow_id: 'provision-user-77',
        counts: '{}',
      },
      {
        id: 'provision-user-77@bbbb2222',
        kind: 'user',
        status: 'completed',
        workflow_id: 'provision-user-77',
        counts: '{}',
      },
      {
        id: 'provision-user-770-cccc3333',
        kind: 'user',
        status: 'completed',
        workflow_id: 'provision-user-770',
        counts: '{}',
      },
    ])
    .execute();
  const row = (run_id: string, engage_id: number) => ({
    run_id,
    object_type: 'user' as const,
    engage_id,
    action: 'update',
    outcome: 'updated',
  });
  await db()
    .insertInto('sync.log')
    .values([
      row('provision-user-77-aaaa1111', 77),
      row('provision-user-77@bbbb2222', 77),
      row('provision-user-770-cccc3333', 770),
    ])
    .execute();
  const all = await logEntries(db(), { runId: 'provision-user-77', limit: 10 });
  assert.deepEqual(all.map((e) => e.run_id).sort(), [
    'provision-user-77-aaaa1111',
    'provision-user-77@bbbb2222',
  ]);
  const one = await logEntries(db(), { runId: 'provision-user-77-aaaa1111', limit: 10 });
  assert.deepEqual(
    one.map((e) => e.run_id),
    ['provision-user-77-aaaa1111'],
  );
});

test('failingUsers counts users failing and those waiting out their back-off', async () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const db = database.db;
  await db.deleteFrom('sync.user_failures').execute();
  assert.deepEqual(await failingUsers(db, now), { failing: 0, quarantined: 0, nextAttemptAt: null });
  const row = (id: number, next: string, count: number) => ({
    engage_user_id: id,
    codes: ['invalid_email'],
    detail: JSON.stringify({}),
    failure_count: count,
    next_attempt_at: next,
    last_failed_at: '2029-12-31T00:00:00Z',
    last_run_id: 'r',
  });
  await db
    .insertInto('sync.user_failures')
    .values([
      row(1, '2029-12-31T00:00:00Z', 1),
      row(2, '2030-01-03T00:00:00Z', 3),
      row(3, '2030-01-02T00:00:00Z', 4),
    ])
    .execute();
  const f = await failingUsers(db, now);
  assert.equal(f.failing, 3);
  assert.equal(f.quarantined, 2);
  assert.equal(f.nextAttemptAt?.toISOString(), '2030-01-02T00:00:00.000Z');
});
