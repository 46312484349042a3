// A sync pointed at the wrong database (issue 14, defect 9): PostgreSQL errors no retry can cure — a
// missing relation, schema or privilege — fail the run at once as ConfigError, with the reason in the
// run's result and in the runs table `sync status` reads, instead of retrying the activity for ever.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { sql } from 'kysely';
import { recentRuns } from '../../clients/runs';
import { FAILURE_TYPES } from '../../domain/failure-types';
import type { SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { type SyncHarness, withSyncHarness } from '../support/sync-harness';

/** Far longer than one failed attempt and its bookkeeping; a retried one is still at it by then. */
const BOUND_MS = 20_000;

type Outcome = { result: SyncRunResult } | { error: unknown };

/**
 * Starts an initial sync and waits at most BOUND_MS for it to end. Past that the run is terminated
 * and the test fails, naming the activity that kept retrying and its last failure.
 */
async function initialSyncWithin(h: SyncHarness, ms = BOUND_MS): Promise<Outcome> {
  const handle = await h.startSync({}, h.newRunId('initial'));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    handle.result().then(
      (result: SyncRunResult) => ({ result }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
  if (outcome !== 'timeout') return outcome;
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  await handle.terminate('test bound reached').catch(() => undefined);
  const retrying = pending
    .map((a) => `${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message ?? 'no failure yet'}`)
    .join('; ');
  assert.fail(`the run was still going after ${ms / 1000}s (${retrying || 'no activity pending'})`);
}

function assertFailedRun(outcome: Outcome, relation: string): SyncRunResult {
  assert.ok(
    'result' in outcome,
    `the run returned a result, not ${String((outcome as { error: unknown }).error)}`,
  );
  const { result } = outcome;
  assert.equal(result.status, 'failed');
  assert.match(result.reason ?? '', new RegExp(`^${FAILURE_TYPES.config}: `), 'failed as ConfigError');
  assert.ok(result.reason?.includes(relation), `the reason names ${relation}: ${result.reason}`);
  return result;
}

/** No connection string or password leaks into what operators see. */
function assertNoSecrets(h: SyncHarness, text: string) {
  const url = new URL(h.engage.url);
  assert.ok(!text.includes('postgres://') && !text.includes('postgresql://'), text);
  if (url.password) assert.ok(!text.includes(url.password), 'no password');
}

/** What `sync status` lists for the run: its row in sync.runs. */
async function statusRow(h: SyncHarness, runId: string) {
  const row = (await recentRuns(h.sync.db, 10)).find((r) => r.id === runId);
  assert.ok(row, `sync status lists ${runId}`);
  return row;
}

/**
 * Starts the worker and an initial sync, which must fail as ConfigError naming `relation`, without
 * secrets, and be listed by `sync status` as failed with that reason and finished (its lock free).
 */
async function assertConfigFailureListed(h: SyncHarness, relation: string): Promise<void> {
  await h.startWorker();
  const result = assertFailedRun(await initialSyncWithin(h), relation);
  assertNoSecrets(h, result.reason!);
  const row = await statusRow(h, result.runId);
  assert.equal(row.status, 'failed');
  assert.equal(row.reason, result.reason);
  assert.ok(row.finished_at, 'the run is finished: its lock is free');
}

test('an Engage database without the engage schema fails the initial sync at once, naming the missing relation', () =>
  withSyncHarness('cfg_no_engage', async (h) => {
    await sql`DROP SCHEMA engage CASCADE`.execute(h.engage.db);
    await assertConfigFailureListed(h, 'engage.locations');
    assert.equal((await h.visitorState()).users.length, 0);
  }));

test('an Engage database without its users table fails the run when it partitions the users', () =>
  withSyncHarness('cfg_no_users', async (h) => {
    await addLocations(h.engage.db, ['Bern']);
    await addUsers(h.engage.db, [{}, {}]);
    await sql`DROP TABLE engage.users CASCADE`.execute(h.engage.db);
    await assertConfigFailureListed(h, 'engage.users');
  }));

test('a sync database without its migrations fails the workflow at once as ConfigError (no run record can exist)', () =>
  withSyncHarness('cfg_no_sync', async (h) => {
    await addLocations(h.engage.db, ['Bern']);
    await sql`DROP SCHEMA sync CASCADE`.execute(h.sync.db);
    await h.startWorker();
    const outcome = await initialSyncWithin(h);
    assert.ok('error' in outcome, 'the workflow failed');
    const { error } = outcome;
    assert.ok(error instanceof WorkflowFailedError, String(error));
    assert.ok(error.cause instanceof ActivityFailure, String(error.cause));
    const cause = error.cause.cause;
    assert.ok(cause instanceof ApplicationFailure, String(cause));
    assert.equal(cause.type, FAILURE_TYPES.config);
    assert.equal(cause.nonRetryable, true);
    assert.ok(cause.message.includes('sync.runs'), cause.message);
    assertNoSecrets(h, cause.message);
  }));
