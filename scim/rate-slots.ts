/**
 * The slot book's contract, and the book one process keeps in memory. A book holds one instant: the
 * end of the last slot booked. Booking n slots takes them from max(that instant, now) on, spacingMs
 * apart, and moves the instant past them; so requests never go closer than spacingMs apart, and an
 * idle book saves up no burst. Slots booked and not used (a process that died) simply pass.
 * Bulk bookings are refused while the booked slots reach more than horizonMs ahead.
 */
import type { RateSlots, SlotBooking, SlotRequest } from './pacer';

export class MemoryRateSlots implements RateSlots {
  private nextAt = 0;

  /** A monotonic clock: a wall-clock step never freezes or floods the book. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  async book({ count, lane, spacingMs, horizonMs }: SlotRequest): Promise<SlotBooking> {
    const now = this.now();
    const start = Math.max(this.nextAt, now);
    if (lane === 'bulk' && start - now > horizonMs) return { granted: 0, startInMs: start - now - horizonMs };
    this.nextAt = start + count * spacingMs;
    return { granted: count, startInMs: start - now, startAt: start };
  }

  async holdFor(ms: number): Promise<void> {
    this.nextAt = Math.max(this.nextAt, this.now() + ms);
  }
}
