// clients/sync/plan.ts planHeadline: skips, failures and proposals are not counted as changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planHeadline } from '../../clients/sync/plan';

test('the headline counts only writes as changes; skips, failures and proposals are named apart', () => {
  assert.equal(
    planHeadline('r1', [
      { action: 'create', count: 1200 },
      { action: 'skip', count: 3 },
      { action: 'update', count: 4 },
      { action: 'fail', count: 2 },
      { action: 'propose-match', count: 1 },
    ]),
    'Dry run r1 plans 1,204 changes to Visitor (and 3 skipped, 2 would fail, 1 location matches proposed):',
  );
  assert.equal(
    planHeadline('r2', [{ action: 'skip', count: 5 }]),
    'Dry run r2 plans 0 changes to Visitor (and 5 skipped):',
  );
  assert.equal(planHeadline('r3', [{ action: 'create', count: 1 }]), 'Dry run r3 plans 1 change to Visitor:');
});
