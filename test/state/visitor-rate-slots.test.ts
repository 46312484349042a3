// state/visitor-rate-slots.ts over PostgreSQL: two workers' pacers sharing one book keep the total
// rate (not twice it), a 429 one of them hears holds the other, separate companies do not share.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlotPacer } from '../../scim/pacer';
import { PgRateSlots, rateSlotsKey } from '../../state/visitor-rate-slots';
import { recordedSlots } from '../support/recorded-slots';
import { maxInWindow } from '../support/windows';
import { syncDatabase } from './fixtures';

const { db } = syncDatabase('visitor_rate_slots');

describe('PgRateSlots', () => {
  it('two workers at a shared limit of 10/s book 10/s together, not 20', async () => {
    const key = rateSlotsKey('http://visitor.test/scim', 'token-a');
    // The slots as the book granted them (its clock): when timers then fire adds the event loop's
    // lateness, which says nothing about the sharing.
    const a = recordedSlots(new PgRateSlots(db(), key));
    const b = recordedSlots(new PgRateSlots(db(), key));
    const workers = [new SlotPacer(a.book, 10), new SlotPacer(b.book, 10)];
    let turns = 0;
    await Promise.all(
      workers.flatMap((w) => Array.from({ length: 15 }, () => w.turn('bulk').then(() => turns++))),
    );
    assert.equal(turns, 30);
    const slots = [...a.slots, ...b.slots];
    assert.equal(slots.length, 30);
    assert.ok(
      maxInWindow(slots, 1000) <= 10,
      `at most 10 slots in any second, saw ${maxInWindow(slots, 1000)}`,
    );
    // 30 slots at 10/s span about 3 s; at 20/s (each worker on its own) they would span 1.5 s.
    const span = Math.max(...slots) - Math.min(...slots);
    assert.ok(span >= 2_800, `span ${Math.round(span)} ms`);
  });

  it("a 429 heard by one worker holds the other's next turn", async () => {
    const key = rateSlotsKey('http://visitor.test/scim', 'token-b');
    const a = new SlotPacer(new PgRateSlots(db(), key), 50);
    const b = new SlotPacer(new PgRateSlots(db(), key), 50);
    await Promise.all([a.turn('bulk'), b.turn('bulk')]);
    a.throttled(800);
    await new Promise((r) => setTimeout(r, 50)); // the hold reaches the book
    const started = performance.now();
    await b.turn('bulk');
    assert.ok(performance.now() - started >= 600, `b waited ${Math.round(performance.now() - started)} ms`);
  });

  it('keeps one book per company: the key digests URL and token, and the token is not in it', async () => {
    const k1 = rateSlotsKey('http://visitor.test/scim', 'secret-token-1');
    const k2 = rateSlotsKey('http://visitor.test/scim', 'secret-token-2');
    assert.notEqual(k1, k2);
    assert.ok(!k1.includes('secret'));
    const busy = new SlotPacer(new PgRateSlots(db(), k1), 2);
    const other = new SlotPacer(new PgRateSlots(db(), k2), 2);
    await busy.turn('bulk');
    const next = busy.turn('bulk'); // books k1's next slot, 500 ms ahead
    const started = performance.now();
    await other.turn('bulk');
    assert.ok(performance.now() - started < 400, 'the other company did not wait for the first');
    await next;
  });
});
