/**
 * Group commit for single-row writes. Callers write one row each and wait for it to be committed,
 * as before; while one statement runs, the rows that arrive meanwhile queue up and go together in
 * the next one. Under load (16 users in flight) a page's state saves become a few multi-row
 * statements instead of one round trip each; alone, a row is written at once (after lingerMs,
 * when set).
 *
 * With lingerMs, a statement also waits for company: it starts once maxBatch rows are waiting or
 * the oldest has waited lingerMs. Each statement is a commit (a WAL flush) and a wake-up of the
 * database on CPUs the Visitor client shares, so fewer, larger statements leave more for the client.
 *
 * A batch holds rows of one shape (the same columns) and at most one row per key, since one
 * upsert cannot touch a row twice. When a multi-row statement fails, its rows are written singly
 * (side by side), so each caller gets its own row's outcome, never a neighbour's error.
 */

/**
 * The linger of the sync's state writes (users, locations). A run keeps far more users in flight than
 * Visitor requests (pages × pool width), so a few ms more per user costs no throughput, while the
 * batches grow (dev/bench/NOTES.md).
 */
export const WRITE_LINGER_MS = 25;

export interface CoalescerOptions<R> {
  /** Writes the rows in one statement (all have the same shape and distinct keys). */
  write: (rows: R[]) => Promise<void>;
  /** Rows that conflict in one statement (e.g. the same primary key). */
  key: (row: R) => string | number;
  /** Rows that can share one statement (e.g. the same column list). */
  shape: (row: R) => string;
  maxBatch?: number;
  /** How long the oldest waiting row may wait for others before its statement starts (default 0). */
  lingerMs?: number;
}

interface Pending<R> {
  row: R;
  at: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class WriteCoalescer<R> {
  private queue: Pending<R>[] = [];
  private running = false;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  /** Ends a linger early once a full batch is waiting. */
  private full: (() => void) | undefined;

  constructor(private readonly options: CoalescerOptions<R>) {
    this.maxBatch = options.maxBatch ?? 500;
    this.lingerMs = options.lingerMs ?? 0;
    if (!(Number.isInteger(this.maxBatch) && this.maxBatch >= 1))
      throw new RangeError('maxBatch must be ≥ 1');
    if (!(Number.isFinite(this.lingerMs) && this.lingerMs >= 0)) throw new RangeError('lingerMs must be ≥ 0');
  }

  /** Resolves once this row is committed; rejects with the error of its own write. */
  write(row: R): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, at: performance.now(), resolve, reject });
      if (this.queue.length >= this.maxBatch) this.full?.();
      if (!this.running) void this.drain();
    });
  }

  /** Waits until the oldest row has lingered long enough or a full batch is waiting. */
  private async linger(): Promise<void> {
    const wait = this.queue[0]!.at + this.lingerMs - performance.now();
    if (wait <= 0 || this.queue.length >= this.maxBatch) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      this.full = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.full = undefined;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        if (this.lingerMs > 0) await this.linger();
        await this.flush(this.nextBatch());
      }
    } catch (err) {
      // Only key()/shape() can throw here: fail what is waiting rather than leave it hanging.
      for (const p of this.queue.splice(0)) p.reject(err);
    } finally {
      this.running = false;
    }
  }

  /**
   * The oldest row and the queued rows of its shape, in order. A key is taken at most once, and a
   * row left for later holds back every later row of its key, so one key's writes keep their order.
   */
  private nextBatch(): Pending<R>[] {
    const shape = this.options.shape(this.queue[0]!.row);
    const taken = new Set<string | number>();
    const held = new Set<string | number>();
    const batch: Pending<R>[] = [];
    const rest: Pending<R>[] = [];
    for (const p of this.queue) {
      const key = this.options.key(p.row);
      const fits =
        batch.length < this.maxBatch &&
        !taken.has(key) &&
        !held.has(key) &&
        this.options.shape(p.row) === shape;
      if (fits) {
        taken.add(key);
        batch.push(p);
      } else {
        held.add(key);
        rest.push(p);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async flush(batch: Pending<R>[]): Promise<void> {
    try {
      await this.options.write(batch.map((p) => p.row));
      for (const p of batch) p.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
    }
    // Distinct keys: the single-row retries may run side by side.
    await Promise.all(
      batch.map((p) =>
        this.options.write([p.row]).then(
          () => p.resolve(),
          (err: unknown) => p.reject(err),
        ),
      ),
    );
  }
}
