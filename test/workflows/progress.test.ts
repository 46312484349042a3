// The `progress` query's arithmetic: users processed, rate, ETA.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressOf } from '../../workflows/progress';

const base = {
  runId: 'initial-sync-1',
  kind: 'initial' as const,
  phase: 'users' as const,
  dryRun: false,
  startedAtMs: Date.parse('2026-01-01T00:00:00Z'),
};

test('users processed count every outcome and planned users, not invitations or write failures', () => {
  const p = progressOf({
    ...base,
    pagesDone: 1,
    pagesTotal: 4,
    counts: { created: 3, unchanged: 5, failed: 1, planned: 2, invited: 3, writeFailures: 1 },
    nowMs: base.startedAtMs + 1_000,
  });
  assert.equal(p.usersProcessed, 11);
  assert.equal(p.startedAt, '2026-01-01T00:00:00.000Z');
});

test('rate and ETA come from the elapsed time and the pages done', () => {
  const p = progressOf({
    ...base,
    pagesDone: 2,
    pagesTotal: 10,
    counts: { created: 150 },
    nowMs: base.startedAtMs + 40_000,
  });
  assert.equal(p.elapsedMs, 40_000);
  assert.equal(p.usersPerSecond, 3.8, 'rounded to one decimal (3.75)');
  // 2 pages in 40 s: the 8 left take 160 s.
  assert.equal(p.etaSeconds, 160);
});

test('no ETA outside the users phase, before the first page, or with no time elapsed', () => {
  const at = (over: Partial<Parameters<typeof progressOf>[0]>) =>
    progressOf({
      ...base,
      pagesDone: 2,
      pagesTotal: 10,
      counts: {},
      nowMs: base.startedAtMs + 1_000,
      ...over,
    });
  assert.equal(at({ phase: 'deletions' }).etaSeconds, null);
  assert.equal(at({ pagesDone: 0 }).etaSeconds, null);
  assert.equal(at({ nowMs: base.startedAtMs }).etaSeconds, null);
  assert.equal(at({ nowMs: base.startedAtMs }).usersPerSecond, 0);
  assert.equal(at({ pagesDone: 12 }).etaSeconds, 0, 'more pages done than planned: nothing left');
});

test('a clock behind the start never gives a negative elapsed time', () => {
  const p = progressOf({ ...base, pagesDone: 0, pagesTotal: 1, counts: {}, nowMs: base.startedAtMs - 5_000 });
  assert.equal(p.elapsedMs, 0);
});

test('deletions pending and the reason appear only when known', () => {
  const plain = progressOf({ ...base, pagesDone: 0, pagesTotal: 1, counts: {}, nowMs: base.startedAtMs });
  assert.equal('deletionsPending' in plain, false);
  assert.equal('reason' in plain, false);
  const held = progressOf({
    ...base,
    phase: 'awaiting-approval',
    pagesDone: 1,
    pagesTotal: 1,
    counts: {},
    deletionsPending: 0,
    reason: 'stopped by ops',
    nowMs: base.startedAtMs,
  });
  assert.equal(held.deletionsPending, 0, 'zero pending is still reported');
  assert.equal(held.reason, 'stopped by ops');
});
