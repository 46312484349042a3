// The sync run's state and its message handlers (progress query, stop signal, decideDeletions update
// and its validator), without a worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { fatalReason, SyncRunState } from '../../workflows/sync-run-state';
import type { SyncRunCarry, SyncRunInput } from '../../workflows/types';

const START = Date.parse('2026-01-01T00:00:00Z');
const fresh = (over: Partial<SyncRunInput> = {}) =>
  new SyncRunState({ kind: 'daily', startedBy: 'test', ...over }, 'daily-sync-1', START);

const carry: SyncRunCarry = {
  runId: 'initial-sync-0',
  startedAtMs: START - 60_000,
  invitations: { mode: 'send' },
  full: false,
  defaultLocationId: 'loc-1',
  locations: { created: 1, updated: 0, unchanged: 0, matched: 0, awaitingMatch: 0, orphaned: 0, failed: 0 },
  boundaries: [100, 200],
  nextPage: 2,
  counts: { created: 10 },
  pagesDone: 2,
};

test('a new run starts from its workflow id and the current time', () => {
  const run = fresh({ dryRun: true });
  assert.equal(run.runId, 'daily-sync-1');
  assert.equal(run.startedAtMs, START);
  assert.equal(run.phase, 'starting');
  assert.equal(run.dryRun, true);
  assert.deepEqual(run.counts, {});
  assert.equal(run.pagesTotal, 1, 'one open-ended page before the boundaries are known');
});

test('a continued run keeps its id, start, cursor and counts from the carry', () => {
  const run = new SyncRunState({ kind: 'initial', startedBy: 'test', carry }, 'initial-sync-0', START);
  assert.equal(run.runId, 'initial-sync-0');
  assert.equal(run.startedAtMs, START - 60_000);
  assert.equal(run.phase, 'users');
  assert.equal(run.dryRun, false);
  assert.deepEqual(run.counts, { created: 10 });
  assert.equal(run.pagesDone, 2);
  assert.equal(run.pagesTotal, 3);
});

test('progress reports the run as it stands', () => {
  const run = new SyncRunState({ kind: 'initial', startedBy: 'test', carry }, 'initial-sync-0', START);
  run.addCounts({ created: 5, failed: 1 });
  const p = run.progress(START);
  assert.equal(p.runId, 'initial-sync-0');
  assert.equal(p.kind, 'initial');
  assert.equal(p.phase, 'users');
  assert.equal(p.pagesDone, 2);
  assert.equal(p.pagesTotal, 3);
  assert.equal(p.usersProcessed, 16);
  assert.deepEqual(p.counts, { created: 15, failed: 1 });
  assert.equal(p.elapsedMs, 60_000);
  assert.equal(p.etaSeconds, 30, 'two pages a minute, one left');
});

test('stop records who stopped the run and why; progress shows it as the reason', () => {
  const run = fresh();
  run.stop({ by: 'cli:ops' });
  assert.equal(run.stopRequested, 'stopped by cli:ops');
  run.stop({ by: 'cli:ops', reason: 'maintenance' });
  assert.equal(run.stopRequested, 'stopped by cli:ops: maintenance');
  assert.equal(run.progress(START).reason, 'stopped by cli:ops: maintenance');
});

test('a deletion decision is refused unless the run waits for one', () => {
  const run = fresh();
  for (const phase of ['starting', 'users', 'deletions', 'finished'] as const) {
    run.phase = phase;
    assert.throws(
      () => run.validateDecision({ approve: true, by: 'ops' }),
      new RegExp(`not waiting for a deletion decision \\(phase: ${phase}\\)`),
    );
  }
  run.phase = 'awaiting-approval';
  assert.doesNotThrow(() => run.validateDecision({ approve: true, by: 'ops' }));
});

test('the first decision is taken, a second one is refused naming the first', () => {
  const run = fresh();
  run.phase = 'awaiting-approval';
  run.deletionsPending = 7;
  assert.deepEqual(run.decideDeletions({ approve: false, by: 'alice', note: 'too many' }), {
    accepted: true,
    pending: 7,
  });
  assert.deepEqual(run.decision, { approve: false, by: 'alice', note: 'too many' });
  assert.throws(() => run.validateDecision({ approve: true, by: 'bob' }), /already rejected by alice/);
});

test('the failure reason names the failure type of an activity failure', () => {
  const cause = ApplicationFailure.nonRetryable('Visitor answered 401', 'VisitorAuthError');
  const wrapped = new ActivityFailure(
    'Activity task failed',
    'syncLocations',
    '3',
    RetryState.NON_RETRYABLE_FAILURE,
    undefined,
    cause,
  );
  assert.equal(fatalReason(wrapped), 'VisitorAuthError: Visitor answered 401');
  assert.equal(fatalReason(cause), 'VisitorAuthError: Visitor answered 401');
  assert.equal(fatalReason(ApplicationFailure.create({ message: 'no type' })), 'Error: no type');
  assert.equal(fatalReason(new Error('plain')), 'plain');
  assert.equal(fatalReason('a string'), 'a string');
});
