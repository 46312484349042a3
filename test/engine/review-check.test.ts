// engine/review-check.ts: an initial sync given a reviewed dry run applies it only if a fresh plan agrees.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkReviewedPlan } from '../../engine/review-check';
import { type FakeWorld, fakeWorld } from './fakes';

function withRun(w: FakeWorld, id: string, o: { kind?: string; dryRun?: boolean; status?: string } = {}) {
  w.store.runs.set(id, {
    id,
    kind: o.kind ?? 'initial-dry-run',
    workflowId: id,
    startedBy: 'test',
    dryRun: o.dryRun ?? true,
    status: o.status ?? 'completed',
    full: false,
    reason: null,
    startedAt: new Date(0),
    finishedAt: new Date(0),
  });
}

const input = { runId: 'apply', kind: 'initial', reviewedRunId: 'reviewed', freshRunId: 'apply-check' };

describe('checkReviewedPlan', () => {
  it('passes when the fresh plan agrees, and logs that it checked', async () => {
    const w = fakeWorld();
    withRun(w, 'reviewed');
    withRun(w, 'apply-check');
    assert.deepEqual(await checkReviewedPlan(w.engine, input), { ok: true });
    assert.deepEqual(
      w.store.logs.map((l) => [l.run_id, l.object_type, l.action, l.outcome]),
      [['apply', 'run', 'review-check', 'passed']],
    );
  });

  it('refuses with the count, logs the first differences (ids and actions only) and names the command', async () => {
    const w = fakeWorld();
    withRun(w, 'reviewed');
    withRun(w, 'apply-check');
    const first = [
      {
        objectType: 'user' as const,
        engageId: 7,
        reviewed: ['create'],
        now: ['adopt'],
        change: 'another action' as const,
      },
    ];
    w.store.planDiff = { total: 3, first };
    const r = await checkReviewedPlan(w.engine, input);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.differences, 3);
    assert.match(!r.ok ? r.reason : '', /3 objects planned otherwise; nothing was written/);
    assert.match(!r.ok ? r.reason : '', /npm run sync -- plan apply-check --against reviewed/);
    const entry = w.store.logs[0]!;
    assert.equal(entry.outcome, 'refused');
    assert.deepEqual((entry.detail as { first: unknown }).first, first);
  });

  for (const [what, setup, pattern] of [
    ['a missing run', (_w: FakeWorld) => {}, /no run reviewed/],
    ['a real run', (w: FakeWorld) => withRun(w, 'reviewed', { dryRun: false }), /not a dry run/],
    [
      'a daily dry run',
      (w: FakeWorld) => withRun(w, 'reviewed', { kind: 'daily-dry-run' }),
      /planned a daily sync/,
    ],
    [
      'a stopped dry run',
      (w: FakeWorld) => withRun(w, 'reviewed', { status: 'stopped' }),
      /is stopped: its plan is incomplete/,
    ],
  ] as const) {
    it(`refuses ${what} as the reviewed plan, without comparing`, async () => {
      const w = fakeWorld();
      setup(w);
      withRun(w, 'apply-check');
      w.store.planDiff = { total: 1, first: [] };
      const r = await checkReviewedPlan(w.engine, input);
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.reason : '', pattern);
      assert.equal(w.store.logs[0]?.outcome, 'refused');
    });
  }

  it('refuses when the check run itself did not complete', async () => {
    const w = fakeWorld();
    withRun(w, 'reviewed');
    withRun(w, 'apply-check', { status: 'failed' });
    const r = await checkReviewedPlan(w.engine, input);
    assert.match(!r.ok ? r.reason : '', /the check run apply-check is failed/);
  });
});
