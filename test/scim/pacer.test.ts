// scim/pacer.ts over the in-memory slot book: evenly spaced turns at the limit, events ahead of bulk,
// a 429 holding everyone, an abandoned wait rejecting without using up the queue.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BULK_HORIZON_MS,
  MAX_FORFEITS,
  MAX_HOLD_MS,
  type PacerTimers,
  RATE_HEADROOM,
  SlotPacer,
} from '../../scim/pacer';
import { MemoryRateSlots } from '../../scim/rate-slots';
import { recordedSlots } from '../support/recorded-slots';
import { maxInWindow } from '../support/windows';

/** Real time, with the n-th timer set (from 0) firing `extraMs(n)` late. */
function lateTimers(extraMs: (n: number) => number): PacerTimers {
  let n = 0;
  return {
    now: () => performance.now(),
    setTimeout: (fn, ms) => {
      setTimeout(fn, ms + extraMs(n++));
    },
  };
}

describe('SlotPacer', () => {
  it('spaces turns at the limit: never more than the limit booked in any one-second window', async () => {
    const { book, slots } = recordedSlots(new MemoryRateSlots());
    const pacer = new SlotPacer(book, 20);
    let turns = 0;
    await Promise.all(Array.from({ length: 30 }, () => pacer.turn('bulk').then(() => turns++)));
    assert.equal(turns, 30);
    // A turn whose timer fired late (a loaded machine) gave its slot up and booked another.
    assert.equal(slots.length, 30 + pacer.forfeited);
    assert.ok(maxInWindow(slots, 1000) <= 20, `at most 20 in a second, saw ${maxInWindow(slots, 1000)}`);
    const span = Math.max(...slots) - Math.min(...slots);
    // 30 slots 1000/(20·headroom) ms apart span 29 spacings.
    assert.ok(span >= 29 * (1000 / (20 * RATE_HEADROOM)) - 1e-6, `span ${span}`);
  });

  it('lets an event go ahead of bulk turns already queued', async () => {
    // Never giving a late slot up: a loaded machine's late timers would reorder the turns.
    const pacer = new SlotPacer(new MemoryRateSlots(), 10, undefined, Number.POSITIVE_INFINITY);
    const order: string[] = [];
    const bulk = Array.from({ length: 12 }, (_, i) => pacer.turn('bulk').then(() => order.push(`b${i}`)));
    await new Promise((r) => setTimeout(r, 20));
    const event = pacer.turn('event').then(() => order.push('event'));
    await Promise.all([...bulk, event]);
    const at = order.indexOf('event');
    // Behind at most the bulk turns booked within the horizon (and the first, already going).
    const bookedAhead = Math.ceil(BULK_HORIZON_MS / (1000 / (10 * RATE_HEADROOM))) + 2;
    assert.ok(at <= bookedAhead, `event went ${at}th of ${order.length}: ${order.join(',')}`);
  });

  it('a 429 holds the turns that follow for its Retry-After', async () => {
    const pacer = new SlotPacer(new MemoryRateSlots(), 50);
    await pacer.turn('bulk');
    pacer.throttled(300);
    const started = performance.now();
    await pacer.turn('event');
    assert.ok(performance.now() - started >= 290, 'waited the hold out');
    assert.ok(pacer.backoffRemainingMs() === 0);
  });

  it('turns held by a 429 go out spaced when it ends, not all at once', async () => {
    const { book, slots } = recordedSlots(new MemoryRateSlots());
    const pacer = new SlotPacer(book, 10);
    const turns = Array.from({ length: 6 }, () => pacer.turn('bulk'));
    await new Promise((r) => setTimeout(r, 5));
    const heldFrom = performance.now();
    pacer.throttled(600);
    await Promise.all(turns);
    // The turns that waited out the hold went on slots booked after it, one spacing apart.
    const afterHold = slots.filter((t) => t >= heldFrom + 590).sort((a, b) => a - b);
    assert.ok(afterHold.length >= 5, `${afterHold.length} slots after the hold`);
    const spacing = 1000 / (10 * RATE_HEADROOM);
    for (let i = 1; i < afterHold.length; i++)
      assert.ok(
        afterHold[i]! - afterHold[i - 1]! >= spacing - 1e-6,
        `gaps ${afterHold.map((t) => Math.round(t))}`,
      );
  });

  it('a Retry-After longer than the longest hold holds for the longest hold only', () => {
    const pacer = new SlotPacer(new MemoryRateSlots(), 10);
    pacer.throttled(30 * 86_400_000);
    assert.ok(pacer.backoffRemainingMs() <= MAX_HOLD_MS);
  });

  it('an abandoned wait rejects with the signal reason and the others still get their turn', async () => {
    const pacer = new SlotPacer(new MemoryRateSlots(), 5);
    const ctl = new AbortController();
    const first = pacer.turn('bulk');
    const abandoned = pacer.turn('bulk', ctl.signal);
    const third = pacer.turn('bulk');
    ctl.abort(new Error('activity cancelled'));
    await assert.rejects(abandoned, /activity cancelled/);
    await Promise.all([first, third]);
  });

  it('a turn whose timer fires late gives its slot up and goes on a later one, not next to the slot after it', async () => {
    const { book, slots } = recordedSlots(new MemoryRateSlots());
    const pacer = new SlotPacer(
      book,
      10,
      lateTimers((n) => (n === 0 ? 80 : 0)),
    );
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => pacer.turn('bulk').then(() => order.push(i))));
    assert.ok(pacer.forfeited >= 1, 'the late slot was given up');
    assert.equal(slots.length, 3 + pacer.forfeited, 'one more slot booked per slot given up');
    // Timers of a loaded machine may be late on their own; with only the one made late, it goes last.
    if (pacer.forfeited === 1) assert.deepEqual(order, [0, 2, 1]);
  });

  it('a worker whose timers are always late still sends every turn, giving up a bounded number of slots', async () => {
    const { book, slots } = recordedSlots(new MemoryRateSlots());
    const pacer = new SlotPacer(
      book,
      20,
      lateTimers(() => 40),
    );
    await Promise.all(Array.from({ length: 4 }, () => pacer.turn('bulk')));
    assert.ok(pacer.forfeited >= 1);
    assert.ok(pacer.forfeited <= 4 * MAX_FORFEITS, `gave up ${pacer.forfeited}`);
    assert.equal(slots.length, 4 + pacer.forfeited);
  });

  it('a turn abandoned after giving up a late slot books nothing more', async () => {
    const { book, slots } = recordedSlots(new MemoryRateSlots());
    const ctl = new AbortController();
    const pacer = new SlotPacer(
      book,
      10,
      lateTimers(() => 40),
    );
    const first = pacer.turn('bulk');
    const second = pacer.turn('bulk', ctl.signal);
    await first;
    await new Promise((r) => setTimeout(r, 150)); // its first slot (~103 ms) was given up
    ctl.abort(new Error('activity cancelled'));
    await assert.rejects(second, /activity cancelled/);
    const booked = slots.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(slots.length, booked);
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new SlotPacer(new MemoryRateSlots(), 0), /maxRequestsPerSecond/);
  });
});

describe('MemoryRateSlots', () => {
  it('books from the end of the last booking, never from an idle past (no saved-up burst)', async () => {
    let now = 1_000;
    const slots = new MemoryRateSlots(() => now);
    assert.deepEqual(await slots.book({ count: 2, lane: 'bulk', spacingMs: 100, horizonMs: 50 }), {
      granted: 2,
      startInMs: 0,
      startAt: 1_000,
    });
    // The book ends 200 ms ahead, past the bulk horizon: bulk is told when to ask again, an event books.
    assert.deepEqual(await slots.book({ count: 1, lane: 'bulk', spacingMs: 100, horizonMs: 50 }), {
      granted: 0,
      startInMs: 150,
    });
    assert.deepEqual(await slots.book({ count: 1, lane: 'event', spacingMs: 100, horizonMs: 50 }), {
      granted: 1,
      startInMs: 200,
      startAt: 1_200,
    });
    now += 10_000;
    assert.deepEqual(await slots.book({ count: 1, lane: 'bulk', spacingMs: 100, horizonMs: 50 }), {
      granted: 1,
      startInMs: 0,
      startAt: 11_000,
    });
  });
});
