// Gauges read from the sync state at scrape time (what a counter in one process cannot know): each
// company's last success, runs awaiting a decision, quarantined and failing users. Every worker
// exposes the same values; dashboards and rules take max by tenant. Cached briefly so several
// scrapers cost one read.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { pool } from '../engine/pool';
import { changeFeedStatus } from '../state/change-feed-store';
import {
  awaitingDecisions,
  failingUsersByCode,
  lastSuccesses,
  quarantinedCount,
} from '../state/operator-view';
import { tenantSyncDb } from '../state/tenant-state';
import { Gauge, type Labels } from './prometheus';

/** A company whose state is read: the configured one (no tenant) or a registry tenant. */
export interface GaugedCompany {
  tenant?: string;
  scheduleIntervalMs: number;
}

export interface StateGaugesOptions {
  db: Kysely<SyncDatabase>;
  companies: () => Promise<GaugedCompany[]>;
  /** How long one reading serves scrapes (default 15 s). */
  cacheMs?: number;
  /** How long a scrape waits for a reading before it is answered with the last good one (default 5 s). */
  waitMs?: number;
  now?: () => number;
}

const DECISION_TYPES = ['plan-review', 'deletions'] as const;

/** One reading's gauges: fresh each time, so overlapping readings never mix. */
const newGauges = () => ({
  lastSuccess: new Gauge(
    'evs_last_success_timestamp_seconds',
    'When the newest completed run of each kind (initial, daily, user) finished, dry runs aside (unix seconds).',
  ),
  interval: new Gauge(
    'evs_schedule_interval_seconds',
    "The company's schedule interval: a daily run is due this often.",
  ),
  awaiting: new Gauge(
    'evs_runs_awaiting_decision',
    'Runs waiting for an operator: a plan review, or deletions held past the budget (type).',
  ),
  quarantined: new Gauge(
    'evs_quarantined_users',
    'Users waiting out a back-off after repeated failures (skipped by runs until then).',
  ),
  failing: new Gauge('evs_failing_users', 'Users whose last attempt failed, by failure code.'),
  feedLag: new Gauge(
    'evs_change_feed_lag_seconds',
    "How far behind Engage the company's change feed has read (seconds since its last complete poll).",
  ),
  scrapeErrors: new Gauge(
    'evs_state_read_errors',
    'Companies whose state could not be read at the last reading (their gauges are missing).',
  ),
});
type Gauges = ReturnType<typeof newGauges>;

export class StateGauges {
  readonly #opts: StateGaugesOptions;
  #cached: { at: number; text: Promise<string> } | undefined;
  #reading: Promise<string> | undefined;
  #lastGood: string | undefined;

  constructor(opts: StateGaugesOptions) {
    this.#opts = opts;
  }

  /**
   * The gauges as Prometheus text, read afresh when the cached reading is older than cacheMs. A reading
   * still under way is shared whatever its age, and one slower than waitMs answers with the last good
   * reading (or a comment): a slow database never holds up the rest of /metrics.
   */
  render(): Promise<string> {
    const now = (this.#opts.now ?? Date.now)();
    if (!this.#reading && (!this.#cached || now - this.#cached.at >= (this.#opts.cacheMs ?? 15_000))) {
      const text = this.#read();
      this.#reading = text;
      text
        .then(
          (t) => {
            this.#lastGood = t;
          },
          // A failed reading is not cached: the next scrape tries again.
          () => {
            if (this.#cached?.text === text) this.#cached = undefined;
          },
        )
        .finally(() => {
          if (this.#reading === text) this.#reading = undefined;
        });
      this.#cached = { at: now, text };
    }
    const text = this.#reading ?? this.#cached!.text;
    const waitMs = this.#opts.waitMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(this.#lastGood ?? '# state gauges: the first reading is still under way\n'),
        waitMs,
      );
    });
    return Promise.race([text, late]).finally(() => clearTimeout(timer));
  }

  async #read(): Promise<string> {
    const g = newGauges();
    const companies = await this.#opts.companies();
    let errors = 0;
    // A few at a time: one company's slow schema must not hold the scrape, nor may a thousand run at once.
    await pool(companies, 4, async (c) => {
      try {
        await readCompany(this.#opts.db, c, g);
      } catch {
        errors++;
      }
    });
    g.scrapeErrors.set({}, errors);
    return `${Object.values(g)
      .map((x) => x.render())
      .join('\n')}\n`;
  }
}

async function readCompany(base: Kysely<SyncDatabase>, c: GaugedCompany, g: Gauges): Promise<void> {
  const db = tenantSyncDb(base, c.tenant);
  const t: Labels = c.tenant ? { tenant: c.tenant } : {};
  const [last, waiting, quarantined, failing, feed] = await Promise.all([
    lastSuccesses(db),
    awaitingDecisions(db),
    quarantinedCount(db),
    failingUsersByCode(db),
    changeFeedStatus(db),
  ]);
  for (const l of last) {
    const kind = l.kind.endsWith('-dry-run') ? undefined : l.kind;
    if (kind) g.lastSuccess.set({ kind, ...t }, Math.floor(l.finishedAt.getTime() / 1000));
  }
  g.interval.set(t, c.scheduleIntervalMs / 1000);
  for (const type of DECISION_TYPES)
    g.awaiting.set({ type, ...t }, waiting.filter((w) => w.type === type).length);
  g.quarantined.set(t, quarantined);
  for (const [code, n] of failing) g.failing.set({ code, ...t }, n);
  if (feed?.lagSeconds != null) g.feedLag.set(t, feed.lagSeconds);
}
