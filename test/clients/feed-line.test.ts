// `sync status`'s change feed line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedLine } from '../../clients/sync/status';

test('the change feed line says how far behind it is and who polls it, or that it never ran', () => {
  assert.match(feedLine(undefined), /^Change feed: not polled yet/);
  assert.equal(
    feedLine({
      caughtUpTo: new Date('2026-12-03T10:00:00Z'),
      polledAt: new Date('2026-12-03T10:00:01Z'),
      holder: 'vm:123',
      lagSeconds: 1.23,
    }).replace(/\(Engage up to [^)]*\)/, '(Engage up to …)'),
    'Change feed: caught up 1.2 s ago (Engage up to …), polled by vm:123',
  );
  assert.match(
    feedLine({ caughtUpTo: null, polledAt: new Date(), holder: null, lagSeconds: 600 }),
    /^Change feed: caught up 10m 00s ago \(Engage up to -\)$/,
  );
});
