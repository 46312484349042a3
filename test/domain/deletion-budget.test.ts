import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetAllows, budgetShare, holdReason, refuseReason } from '../../domain/deletion-budget';

const t = { count: 500, percent: 10 };

test('an empty Engage refuses any deletion; no deletions, nothing to refuse', () => {
  assert.match(refuseReason(3, 0) ?? '', /no active users: 3 deletions refused/);
  assert.equal(refuseReason(0, 0), null);
  assert.equal(refuseReason(3, 1), null);
});

test('the budget allows up to the count and the percent, counting what the window already used', () => {
  assert.equal(budgetAllows({ used: 0, linked: 1000 }, 100, t), true, 'exactly 10%');
  assert.equal(budgetAllows({ used: 0, linked: 1000 }, 101, t), false, 'past 10%');
  assert.equal(budgetAllows({ used: 60, linked: 940 }, 40, t), true, '60 earlier + 40 = 10% of 1000');
  assert.equal(budgetAllows({ used: 60, linked: 940 }, 41, t), false);
  assert.equal(budgetAllows({ used: 0, linked: 100_000 }, 501, t), false, 'the count caps a large company');
  assert.equal(budgetAllows({ used: 0, linked: 0 }, 0, t), true);
});

test('the share counts earlier deletions in its base; the reason names the numbers', () => {
  assert.equal(budgetShare({ used: 50, linked: 950 }, 50), 10);
  const r = holdReason({ used: 50, linked: 950 }, 100, t, 86_400_000);
  assert.match(
    r,
    /^100 deletions \(after 50 earlier in the window\) would take 15\.0% of 1000 provisioned users within 24h/,
  );
  assert.match(r, /budget of 500 users or 10%/);
});
