/**
 * When each Visitor request may go. A rate limit is kept by booking request slots, evenly spaced at
 * the limit, from a slot book (rate-slots.ts): one in memory for one process, or one every worker
 * shares (state/visitor-rate-slots.ts) so the configured rate is the total of the deployment.
 * Per-user changes ('event' lane) book at once; bulk traffic books only while the slots already
 * booked end within a short horizon, so an event waits for at most that horizon of bulk requests.
 * A 429 holds everyone: this process at once, the other workers through the slot book.
 */
import type { RequestLane } from './request-context';
import { BackoffGate, sleep } from './throttle';

/** Books request slots `spacingMs` apart; see rate-slots.ts for the contract. */
export interface RateSlots {
  book(request: SlotRequest): Promise<SlotBooking>;
  /** Nobody may send before `ms` from now (Visitor answered 429 with that Retry-After). */
  holdFor(ms: number): Promise<void>;
}

export interface SlotRequest {
  count: number;
  lane: RequestLane;
  spacingMs: number;
  /** Bulk books only while the slots booked ahead end within this many ms. */
  horizonMs: number;
}

/** `granted` slots from `startInMs` on, `spacingMs` apart; none granted: ask again in `startInMs`. */
export interface SlotBooking {
  granted: number;
  startInMs: number;
  /**
   * When granted: the first slot's instant on the book's own clock (ms), so what was booked can be
   * told apart from when timers happened to fire (the event loop adds its lateness to the delays).
   */
  startAt?: number;
}

export interface RequestPacer {
  /** Resolves when a request of this lane may go; rejects with the signal's reason if abandoned first. */
  turn(lane: RequestLane, signal?: AbortSignal): Promise<void>;
  /** Visitor answered 429: hold every request for `ms`. */
  throttled(ms: number): void;
  /** How long requests still wait because of a 429 (this process's view). */
  backoffRemainingMs(): number;
}

/** A booked-ahead queue of bulk slots an event may have to wait behind. */
export const BULK_HORIZON_MS = 100;
/** Keep below the limit by this factor: timers fire late, and the target's window is not ours. */
export const RATE_HEADROOM = 0.97;
/** The longest a 429 holds everyone (a longer Retry-After fails the work instead: client.ts). */
export const MAX_HOLD_MS = 10 * 60_000;
/** Events booked in one round trip at most. */
const MAX_EVENT_BATCH = 32;
/**
 * A turn whose timer fires later than this after its slot gives the slot up and books another: sent
 * late, it would go close to the next slot (another worker's, on time) and the target's one-second
 * window would hold one more than the limit. The headroom leaves about 30 ms per window for that.
 */
export const LATE_SLOT_MS = 15;
/** A turn gives up at most this many slots, so a worker whose timers are always late still sends. */
export const MAX_FORFEITS = 2;

/** The pacer's clock and timers; tests make a timer late. */
export interface PacerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): void;
}

const REAL_TIMERS: PacerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    setTimeout(fn, ms);
  },
};

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  forfeits: number;
}

/** No rate limit: only the back-off gate after a 429. */
export class GatePacer implements RequestPacer {
  protected readonly gate = new BackoffGate();

  async turn(_lane: RequestLane, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.gate.pass(signal);
  }

  throttled(ms: number): void {
    this.gate.closeFor(ms);
  }

  backoffRemainingMs(): number {
    return this.gate.remainingMs();
  }
}

/** A rate limit kept through a slot book; two lanes, events first. */
export class SlotPacer extends GatePacer {
  private readonly spacingMs: number;
  private readonly bulkBatch: number;
  private readonly queues: Record<RequestLane, Waiter[]> = { event: [], bulk: [] };
  private readonly pumping: Record<RequestLane, boolean> = { event: false, bulk: false };
  /** Slots given up because their timer fired too late (see LATE_SLOT_MS). */
  forfeited = 0;

  constructor(
    private readonly slots: RateSlots,
    ratePerSecond: number,
    private readonly timers: PacerTimers = REAL_TIMERS,
    private readonly lateSlotMs = LATE_SLOT_MS,
  ) {
    super();
    if (!(ratePerSecond > 0)) throw new RangeError('maxRequestsPerSecond must be > 0');
    this.spacingMs = 1000 / (ratePerSecond * RATE_HEADROOM);
    // A bulk booking covers at most the horizon, so it never reaches far ahead of an event.
    this.bulkBatch = Math.max(1, Math.floor(BULK_HORIZON_MS / this.spacingMs));
  }

  override async turn(lane: RequestLane, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, forfeits: 0 };
      if (signal) {
        waiter.onAbort = () => {
          const queue = this.queues[lane];
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queues[lane].push(waiter);
      void this.pump(lane);
    });
    // A slot that fell inside a 429's hold is spent: book again, or the waiters held at the gate
    // would all go at once when it opens.
    if ((await this.gate.pass(signal)) > 0) return this.turn(lane, signal);
  }

  override throttled(ms: number): void {
    ms = Math.min(ms, MAX_HOLD_MS);
    super.throttled(ms);
    // Other workers hear of it through the book; failing to tell them only costs them a 429.
    this.slots.holdFor(ms).catch(() => {});
  }

  /** Books slots for the lane's queue, batch by batch, and lets each waiter go at its slot. */
  private async pump(lane: RequestLane): Promise<void> {
    if (this.pumping[lane]) return;
    this.pumping[lane] = true;
    const queue = this.queues[lane];
    try {
      while (queue.length > 0) {
        const count =
          lane === 'event' ? Math.min(queue.length, MAX_EVENT_BATCH) : Math.min(queue.length, this.bulkBatch);
        const booking = await this.slots.book({
          count,
          lane,
          spacingMs: this.spacingMs,
          horizonMs: BULK_HORIZON_MS,
        });
        if (booking.granted === 0) {
          await sleep(Math.max(1, booking.startInMs));
          continue;
        }
        const batch = queue.splice(0, booking.granted);
        const bookedAt = this.timers.now();
        batch.forEach((w, i) => {
          const at = booking.startInMs + i * this.spacingMs;
          const release = () => {
            if (w.signal?.aborted) return; // already rejected by its abort listener
            // A slot already past when granted (a slow round trip to the book) goes at once: booking
            // again would be as slow.
            if (
              this.timers.now() - (bookedAt + Math.max(0, at)) > this.lateSlotMs &&
              w.forfeits < MAX_FORFEITS
            ) {
              w.forfeits++;
              this.forfeited++;
              queue.unshift(w);
              void this.pump(lane);
              return;
            }
            if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
            w.resolve();
          };
          if (at <= 0) release();
          else this.timers.setTimeout(release, at);
        });
        // Book the next bulk batch only when this one's last slot is within the horizon.
        const last = booking.startInMs + (batch.length - 1) * this.spacingMs;
        if (lane === 'bulk' && last > BULK_HORIZON_MS) await sleep(last - BULK_HORIZON_MS);
      }
    } catch (err) {
      // The book could not be reached: the requests waiting fail (their activity retries).
      for (const w of queue.splice(0)) {
        if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
        w.reject(err);
      }
    } finally {
      this.pumping[lane] = false;
    }
  }
}
