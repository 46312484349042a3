// `sync status` names the pending deletion decision, how many deletions it holds, when it expires and
// how to answer; an expired one not yet closed, and the last closed one, read as such.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decisionLine } from '../../clients/sync/status';

const base = {
  id: 4,
  status: 'pending',
  reason: '700 deletions would take 23.7% …',
  opened_at: new Date('2026-12-04T17:00:00Z'),
  expires_at: new Date('2026-12-11T17:00:00Z'),
  decided_by: null,
  decided_at: null,
  workflow_key: 'k3y',
  held: 700,
};

test('no decision ever, one pending, one expired unclosed, the last closed', () => {
  assert.equal(decisionLine(null), 'Deletion decisions: none');
  const pending = decisionLine(base, Date.parse('2026-12-05T09:00:00Z'));
  assert.match(pending, /^Deletion decision 4: 700 deletions HELD since .*, expires .* \(then rejected\)/);
  assert.match(pending, /npm run sync -- approve {3}or {3}npm run sync -- reject$/);
  assert.match(
    decisionLine(base, Date.parse('2026-12-12T00:00:00Z')),
    /EXPIRED at .* with 700 held; closed as rejected once a worker runs/,
  );
  assert.match(
    decisionLine({ ...base, status: 'expired', decided_by: 'expiry', decided_at: base.expires_at, held: 0 }),
    /^Deletion decisions: none pending \(the last, 4, expired by expiry at /,
  );
});
