// Location links: saved (group commit), updated, orphaned, read back as a map.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncDatabase } from './fixtures';

const { store } = syncDatabase('locations');

describe('location links', () => {
  it('saves links and reads them back by Engage id', async () => {
    assert.deepEqual(await store().locationMap(), new Map());
    await store().saveLocation(2, 'vl-2', 'fp-2', 'linked');
    await store().saveLocation(1, 'vl-1', 'fp-1', 'linked');
    assert.deepEqual(
      await store().locationMap(),
      new Map([
        [1, { visitorId: 'vl-1', fingerprint: 'fp-1', status: 'linked' }],
        [2, { visitorId: 'vl-2', fingerprint: 'fp-2', status: 'linked' }],
      ]),
    );
  });

  it('updates a link in place, and keeps an orphaned location (its Engage row gone)', async () => {
    await store().saveLocation(1, 'vl-1', 'fp-1b', 'linked');
    await store().saveLocation(2, 'vl-2', 'fp-2', 'orphaned');
    await store().saveLocation(2, 'vl-2', 'fp-2', 'orphaned'); // idempotent
    const map = await store().locationMap();
    assert.equal(map.size, 2);
    assert.deepEqual(map.get(1), { visitorId: 'vl-1', fingerprint: 'fp-1b', status: 'linked' });
    assert.deepEqual(map.get(2), { visitorId: 'vl-2', fingerprint: 'fp-2', status: 'orphaned' });
  });

  it('links many locations side by side (one group commit), the last save of one winning', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => 100 + i);
    await Promise.all([
      ...ids.map((id) => store().saveLocation(id, `vl-${id}`, 'a', 'linked')),
      store().saveLocation(150, 'vl-150', 'b', 'orphaned'),
    ]);
    const map = await store().locationMap();
    for (const id of ids) assert.equal(map.get(id)?.visitorId, `vl-${id}`);
    assert.deepEqual(map.get(150), { visitorId: 'vl-150', fingerprint: 'b', status: 'orphaned' });
  });

  it('refuses a Visitor location linked to two Engage locations, failing only one claimant', async () => {
    const results = await Promise.allSettled([
      store().saveLocation(300, 'vl-shared', 'x', 'linked'),
      store().saveLocation(301, 'vl-301', 'x', 'linked'),
      store().saveLocation(302, 'vl-shared', 'x', 'linked'),
    ]);
    // The batch fails as a whole, then each row is written alone: one of the two claimants wins.
    assert.equal(results[1]!.status, 'fulfilled');
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
    const map = await store().locationMap();
    assert.equal(map.has(301), true);
    assert.equal(
      [map.get(300)?.visitorId, map.get(302)?.visitorId].filter((v) => v === 'vl-shared').length,
      1,
    );
  });
});
