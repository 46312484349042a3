// The worker's run lines: ids, status and non-zero counts on one line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFinishedLine, runStartedLine, userRunLine } from '../../activities/run-lines';

test('a run start names its kind, mode, starter and tenant; a refused one names the holder', () => {
  assert.equal(
    runStartedLine({
      runId: 'daily-sync-x',
      kind: 'daily',
      dryRun: false,
      full: true,
      startedBy: 'schedule',
      tenant: 'acme',
    }),
    'run started: daily-sync-x [tenant acme] daily (full reconcile), started by schedule',
  );
  assert.equal(
    runStartedLine({
      runId: 'initial-sync-y',
      kind: 'initial',
      dryRun: true,
      full: false,
      startedBy: 'cli',
      tenant: undefined,
      refusedBy: 'daily-sync-x',
    }),
    'run refused: initial-sync-y initial dry run: daily-sync-x holds the bulk-run lock',
  );
});

test('a run finish lists the non-zero counts and the reason', () => {
  assert.equal(
    runFinishedLine({
      runId: 'daily-sync-x',
      status: 'failed',
      counts: { created: 3, updated: 0, failed: 2 },
      reason: 'Visitor refused the token',
      tenant: undefined,
    }),
    'run finished: daily-sync-x failed: created 3, failed 2 (Visitor refused the token)',
  );
  assert.equal(
    runFinishedLine({
      runId: 'r',
      status: 'completed',
      counts: { unchanged: 0 },
      reason: null,
      tenant: undefined,
    }),
    'run finished: r completed: nothing to do',
  );
  assert.equal(
    userRunLine({
      runId: 'provision-user-7-ab',
      engageUserId: 7,
      outcome: 'created',
      dryRun: false,
      durationMs: 41.6,
      tenant: 'acme',
    }),
    'user run finished: provision-user-7-ab [tenant acme] Engage user 7 → created in 42 ms',
  );
});
