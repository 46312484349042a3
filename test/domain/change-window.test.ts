// The change feed's rules: what a poll hands on, how its watermark moves, when it asks for a bulk run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bulkRunBase,
  distinctIds,
  handoffOf,
  newMemory,
  readFromMs,
  takeNew,
} from '../../domain/change-window';

const row = (id: number, updatedAtMs: number) => ({ id, updatedAtMs });

describe('change window', () => {
  it('hands on each (row, version) once; a re-read of the overlap skips what was handed on', () => {
    const m0 = newMemory(1000);
    const first = takeNew(m0, [row(1, 1100), row(2, 1200)], 500);
    assert.deepEqual(first.fresh, [row(1, 1100), row(2, 1200)]);
    assert.equal(first.memory.watermarkMs, 1200);
    assert.equal(readFromMs(first.memory, 500), 700);
    // The next poll reads from 700 again: the same rows, plus one committed late with an older stamp.
    const second = takeNew(first.memory, [row(1, 1100), row(3, 1150), row(2, 1200)], 500);
    assert.deepEqual(second.fresh, [row(3, 1150)], 'the late commit is caught, the others are not repeated');
    assert.equal(second.memory.watermarkMs, 1200, 'an older row never moves the watermark back');
  });

  it('a row changed again is new (its version moved), and many rows on one timestamp are all taken', () => {
    const m = newMemory(0);
    const same = Array.from({ length: 50 }, (_, i) => row(i + 1, 5000));
    const a = takeNew(m, same, 1000);
    assert.equal(a.fresh.length, 50);
    const b = takeNew(a.memory, [...same, row(7, 5001)], 1000);
    assert.deepEqual(b.fresh, [row(7, 5001)]);
  });

  it('forgets pairs older than the overlap, so memory stays bounded', () => {
    let m = newMemory(0);
    for (let t = 1; t <= 100; t++) m = takeNew(m, [row(t, t * 1000)], 5000).memory;
    assert.ok(m.handedOn.size <= 6, `remembers ${m.handedOn.size}`);
    assert.equal(m.watermarkMs, 100_000);
  });

  it('coalesces a user changed many times into one hand-off', () => {
    assert.deepEqual(distinctIds([row(4, 1), row(4, 2), row(5, 2), row(4, 3)]), [4, 5]);
    assert.deepEqual(handoffOf([row(4, 1), row(4, 2), row(5, 2)], [], 10), { kind: 'users', ids: [4, 5] });
  });

  it('a mass change or a changed location becomes one bulk run; nothing changed is nothing', () => {
    const many = Array.from({ length: 11 }, (_, i) => row(i, 1));
    assert.deepEqual(handoffOf(many, [], 10), { kind: 'bulk', reason: '11 users changed at once (over 10)' });
    assert.deepEqual(handoffOf(many.slice(0, 10), [], 10), {
      kind: 'users',
      ids: many.slice(0, 10).map((r) => r.id),
    });
    assert.deepEqual(handoffOf([row(1, 1)], [row(9, 1)], 10), {
      kind: 'bulk',
      reason: '1 location(s) changed in Engage',
    });
    assert.deepEqual(handoffOf([], [], 10), { kind: 'none' });
  });
});

describe('bulkRunBase', () => {
  it('names a request’s runs by its stamp, an attempt after a refusal by its number, with nothing links escape', () => {
    const at = Date.parse('2026-12-03T22:50:12.345Z');
    assert.equal(bulkRunBase(at, 0), 'daily-sync-feed-20261203T225012345Z');
    assert.equal(bulkRunBase(at, 2), 'daily-sync-feed-20261203T225012345Z-r2');
    assert.equal(encodeURIComponent(bulkRunBase(at, 1)), bulkRunBase(at, 1));
  });
});
