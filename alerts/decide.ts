// Which alerts are due for one company, from a snapshot of its state: pure, so the rules are tested
// with plain data. Each alert has a key that names its event; the alerter sends a key once per company
// (sync.alerts_sent), so the keys decide how often an alert repeats.
import type { AwaitingDecision, FinishedRun, LastSuccess } from '../state/operator-view';

/** One company's state as the alerter reads it. */
export interface CompanySnapshot {
  /** The tenant id; undefined for the configured company. */
  tenant: string | undefined;
  /** Its schedule's interval: a bulk sync is expected to succeed at least this often. */
  intervalMs: number;
  lastSuccesses: LastSuccess[];
  awaiting: AwaitingDecision[];
  quarantined: number;
  /** Runs that ended within the look-back window, oldest first. */
  finished: FinishedRun[];
  /**
   * Since when the company is expected to sync, for one that never succeeded: its first run, or a
   * tenant's registration when it never ran; null for a new install that never ran (never stale).
   */
  expectedSince: Date | null;
}

export type Alert =
  | {
      kind: 'run-failed';
      key: string;
      tenant: string | undefined;
      runId: string;
      runKind: string;
      dryRun: boolean;
      finishedAt: Date;
    }
  | {
      kind: 'awaiting-decision';
      key: string;
      tenant: string | undefined;
      type: AwaitingDecision['type'];
      id: string;
      since: Date;
      expiresAt: Date | null;
    }
  | {
      kind: 'sync-stale';
      key: string;
      tenant: string | undefined;
      /** The newest successful bulk run (initial or daily), or none. */
      lastSuccessRunId: string | null;
      lastSuccessAt: Date | null;
      intervalMs: number;
      /** How long since the last success (or since the company was expected to sync). */
      ageMs: number;
    }
  | { kind: 'users-quarantined'; key: string; tenant: string | undefined; count: number };

export interface DecideOptions {
  /** Past the interval, how long before a missing success alerts. */
  staleMarginMs: number;
}

/** Run kinds that sync the whole company: their success is what "the sync is up to date" means. */
const BULK_KINDS = new Set(['initial', 'daily']);
/** Statuses that alert: a failure. A run stopped by an operator, cancelled or skipped does not. */
const FAILED = 'failed';

/** The alerts due now for this company, in a stable order. */
export function dueAlerts(s: CompanySnapshot, now: Date, o: DecideOptions): Alert[] {
  return [
    ...failedRuns(s),
    ...awaitingDecisions(s, now),
    ...staleSync(s, now, o.staleMarginMs),
    ...quarantine(s, now),
  ];
}

function failedRuns(s: CompanySnapshot): Alert[] {
  // Dry runs too: a failing dry run is as broken as a real one, and often the operator's first try.
  // The run's reason stays out: it may quote Visitor's answer about a user (PII); the log shows it.
  return s.finished
    .filter((r) => r.status === FAILED)
    .map((r) => ({
      kind: 'run-failed',
      key: `run-failed:${r.id}`,
      tenant: s.tenant,
      runId: r.id,
      runKind: r.kind,
      dryRun: r.dryRun,
      finishedAt: r.finishedAt,
    }));
}

function awaitingDecisions(s: CompanySnapshot, now: Date): Alert[] {
  // A deletion decision past its expiry is rejected already, whatever its row still says.
  return s.awaiting
    .filter((d) => d.expiresAt === null || d.expiresAt.getTime() > now.getTime())
    .map((d) => ({
      kind: 'awaiting-decision',
      key: `awaiting:${d.type}:${d.id}`,
      tenant: s.tenant,
      type: d.type,
      id: d.id,
      since: d.since,
      expiresAt: d.expiresAt,
    }));
}

/**
 * Stale when no initial or daily run has succeeded for longer than the interval plus the margin. The
 * key carries the last success and how many intervals overdue it is: one alert when it turns stale,
 * then at most one per interval while it stays so; a new success starts afresh.
 */
function staleSync(s: CompanySnapshot, now: Date, marginMs: number): Alert[] {
  const last = s.lastSuccesses
    .filter((l) => BULK_KINDS.has(l.kind))
    .sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime())[0];
  const from = last?.finishedAt ?? s.expectedSince;
  if (!from) return [];
  const ageMs = now.getTime() - from.getTime();
  const overdueMs = ageMs - s.intervalMs - marginMs;
  if (overdueMs <= 0) return [];
  const period = Math.floor(overdueMs / Math.max(s.intervalMs, 1));
  return [
    {
      kind: 'sync-stale',
      key: `stale:${last?.runId ?? 'none'}:${period}`,
      tenant: s.tenant,
      lastSuccessRunId: last?.runId ?? null,
      lastSuccessAt: last?.finishedAt ?? null,
      intervalMs: s.intervalMs,
      ageMs,
    },
  ];
}

/**
 * The count's power-of-two bucket, per UTC day: the first quarantined user of a day alerts, then
 * again each time the count reaches the next doubling (2, 4, 8, …) — when it rises, not every minute.
 */
function quarantine(s: CompanySnapshot, now: Date): Alert[] {
  if (s.quarantined <= 0) return [];
  const day = now.toISOString().slice(0, 10);
  return [
    {
      kind: 'users-quarantined',
      key: `quarantined:${day}:${quarantineBucket(s.quarantined)}`,
      tenant: s.tenant,
      count: s.quarantined,
    },
  ];
}

/** The largest power of two not above n (n ≥ 1). */
export function quarantineBucket(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}
