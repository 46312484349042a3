// A realistic Visitor at a small scale (issue 15): 100–300 ms a call and a strict per-company limit
// of a few requests a second. Runs finish without a 429 and without sending anyone twice, the limit
// is the total of two workers, a per-user change goes ahead of a bulk run, a stop stops the pages,
// and 429s never fail a user.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedCompany } from '../../dev/engage-generator/seed';
import { createWorker } from '../../temporal/worker';
import { buildDeps } from '../../workers/deps';
import type { SyncRunResult } from '../../workflows/types';
import { addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { TEST_NAMESPACE, workerConnection } from '../support/temporal';

const LIMIT = 4;

interface CompanyStats {
  requests: number;
  accepted: number;
  rateLimited: number;
  maxAcceptedInAnySecond: number;
}

let h: SyncHarness;
before(async () => {
  h = await SyncHarness.create('slow_visitor', {
    env: { VISITOR_SCIM_MAX_RPS: String(LIMIT), SYNC_PAGE_SIZE: '8' },
    emulator: {
      profile: { name: 'realistic', latencyMs: { min: 100, max: 300 }, rateLimitPerSecond: LIMIT },
    },
  });
  await seedCompany(h.engage.db, { users: 30, locations: 2, seed: 'slow-visitor' });
  await h.startWorker();
});
after(async () => h?.close());

async function stats(): Promise<CompanyStats> {
  const s = (await h.visitorStats()) as unknown as { overall: CompanyStats };
  return s.overall;
}

test('an initial sync under the limit finishes: a rare 429 at most, never more than the limit accepted in a second, nobody sent twice', async () => {
  const result = await h.runSync({ kind: 'initial' });
  assert.equal(result.status, 'completed', result.reason);
  assert.equal(result.counts.failed ?? 0, 0);
  const state = await h.visitorState();
  assert.equal(state.users.length, result.counts.created);
  const s = await stats();
  // Timers and the emulator's window meet with some jitter: a rare 429 is retried, never more than that.
  assert.ok(s.rateLimited <= Math.ceil(s.requests * 0.02), `${s.rateLimited} × 429 of ${s.requests}`);
  assert.ok(
    s.maxAcceptedInAnySecond <= LIMIT,
    `at most ${LIMIT} in any second (saw ${s.maxAcceptedInAnySecond})`,
  );
  const creates = (await h.visitorStats()).byMethod?.POST ?? 0;
  // One POST per user and location: no create was sent twice (a 409 would show a repeat).
  assert.equal(creates, (result.counts.created ?? 0) + (result.locations?.created ?? 0));
});

test('the limit is the total of the workers: a second worker at the same setting adds no 429s (a rare one at most)', async () => {
  const second = buildDeps(h.config, {
    temporal: h.client,
    visitor: { retry: { baseDelayMs: 20, maxDelayMs: 500 } },
  });
  const connection = await workerConnection();
  const worker = await createWorker({
    connection,
    namespace: TEST_NAMESPACE,
    taskQueue: h.taskQueue,
    deps: { sync: second.engine },
    maxConcurrentActivities: 8,
  });
  try {
    const before = await stats();
    const result = (await worker.runUntil(h.runSync({ kind: 'daily', full: true }))) as SyncRunResult;
    assert.equal(result.status, 'completed', result.reason);
    const s = await stats();
    assert.ok(s.requests > before.requests, 'the full reconcile read Visitor');
    // Two workers at 4/s each would send 8/s: about half refused. Shared, a rare one at most.
    const refused = s.rateLimited - before.rateLimited;
    assert.ok(
      refused <= Math.ceil((s.requests - before.requests) * 0.02),
      `${refused} × 429 with two workers`,
    );
    assert.ok(s.maxAcceptedInAnySecond <= LIMIT);
  } finally {
    await connection.close();
    await second.close();
  }
});

test('a per-user change goes ahead of a bulk run under the same limit', async () => {
  // More pages than the worker's page slots, and one user (the highest id: the bulk run's last page,
  // which waits for a slot) for a per-user run started while the bulk run saturates the limit.
  await addUsers(
    h.engage.db,
    Array.from({ length: 40 }, () => ({})),
  );
  const [late] = await addUsers(h.engage.db, [{}]);
  const handle = await h.startSync({ kind: 'daily' });
  try {
    const startedWith = (await h.visitorState()).users.length;
    await h.waitForVisitorUsers(startedWith + 1, 60_000);
    const single = await h.provisionUser(late!);
    assert.equal(single.outcome, 'created', 'the per-user run, not the bulk run, created the user');
    const whenUserDone = (await h.visitorState()).users.length;
    const result = (await handle.result()) as SyncRunResult;
    assert.equal(result.status, 'completed', result.reason);
    const atEnd = (await h.visitorState()).users.length;
    assert.ok(
      atEnd - whenUserDone >= 10,
      `the per-user run finished while the bulk run had most of its work left (${whenUserDone} → ${atEnd})`,
    );
    const s = await stats();
    assert.ok(s.rateLimited <= Math.ceil(s.requests * 0.02), `${s.rateLimited} × 429 of ${s.requests}`);
  } finally {
    await handle.result().catch(() => undefined);
  }
});

test('a stop ends the run and its pages: nothing more reaches Visitor after it', async () => {
  await addUsers(
    h.engage.db,
    Array.from({ length: 24 }, () => ({})),
  );
  const handle = await h.startSync({ kind: 'daily' });
  const startedWith = (await h.visitorState()).users.length;
  await h.waitForVisitorUsers(startedWith + 2, 60_000);
  await handle.signal('stop', { by: 'test', reason: 'operator stop' });
  const result = (await handle.result()) as SyncRunResult;
  assert.equal(result.status, 'stopped');
  const after = (await stats()).requests;
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal((await stats()).requests, after, 'no request went out after the run ended');
  // The rest is done by the next run, each user once.
  const next = await h.runSync({ kind: 'daily' });
  assert.equal(next.status, 'completed', next.reason);
  assert.equal(next.counts.failed ?? 0, 0);
});

test('429s never fail a user: a Visitor throttling below our setting slows the run down, nobody fails', async () => {
  await addUsers(
    h.engage.db,
    Array.from({ length: 12 }, () => ({})),
  );
  // Visitor now allows 2 a second while the workers still send 4: many answers are 429.
  await h.setFaults({ rateLimit: { perSecond: 2, burst: 1 } });
  try {
    const result = await h.runSync({ kind: 'daily' });
    assert.equal(result.status, 'completed', result.reason);
    assert.equal(result.counts.failed ?? 0, 0, 'no user given up on');
    assert.ok((result.counts.created ?? 0) >= 12);
    assert.ok((await stats()).rateLimited > 0, 'Visitor did throttle');
  } finally {
    await h.setFaults({});
  }
});
