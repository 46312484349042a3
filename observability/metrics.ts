// The worker's own Prometheus metrics: Visitor requests, users and runs by outcome, decisions.
import { Counter, Histogram } from './prometheus';

/** SyncMetrics' recording methods, bound to one tenant. */
export type TenantMetrics = Pick<SyncMetrics, 'request' | 'retry' | 'outcomes' | 'runFinished' | 'decision'>;

export class SyncMetrics {
  readonly scimRequests = new Counter(
    'evs_visitor_scim_requests_total',
    'Requests to Visitor SCIM by method, route template and status ("error" when no answer).',
  );
  readonly scimDuration = new Histogram(
    'evs_visitor_scim_request_duration_seconds',
    'Visitor SCIM request duration.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  readonly scimRetries = new Counter(
    'evs_visitor_scim_retries_total',
    'Visitor SCIM requests retried by the client (429, 5xx, network).',
  );
  readonly users = new Counter(
    'evs_users_total',
    'Users processed by outcome (created, updated, unchanged, deleted, failed, …).',
  );
  readonly runs = new Counter(
    'evs_runs_total',
    'Finished runs by kind (initial, daily, user), status and dry_run ("true" for a dry run).',
  );
  readonly decisions = new Counter(
    'evs_deletion_decisions_total',
    'Deletion decisions by event: opened (deletions held past the budget), approved, rejected, expired.',
  );
  readonly runDuration = new Histogram(
    'evs_run_duration_seconds',
    'Duration of finished runs by kind.',
    [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600],
  );

  constructor() {
    this.#zeroFailures({});
  }

  /**
   * Every failed-run series exists from the start at 0, so an alert on increase() sees the first
   * failure too (deploy/prometheus/alerts.yml EvsRunFailed).
   */
  #zeroFailures(t: Record<string, string>) {
    for (const kind of ['initial', 'daily', 'user'])
      for (const dry_run of ['false', 'true']) this.runs.inc({ kind, status: 'failed', dry_run, ...t }, 0);
  }

  /** The same metrics for one tenant's runs: every series carries `tenant="<id>"`. */
  forTenant(tenant: string): TenantMetrics {
    this.#zeroFailures({ tenant });
    return {
      request: (e) => this.request(e, tenant),
      retry: (e) => this.retry(e, tenant),
      outcomes: (counts) => this.outcomes(counts, tenant),
      runFinished: (kind, status, durationMs) => this.runFinished(kind, status, durationMs, tenant),
      decision: (event) => this.decision(event, tenant),
    };
  }

  request(
    e: { method: string; route: string; status: number | undefined; durationMs: number },
    tenant?: string,
  ) {
    const t: Record<string, string> = tenant ? { tenant } : {};
    this.scimRequests.inc({
      method: e.method,
      route: e.route,
      status: e.status === undefined ? 'error' : String(e.status),
      ...t,
    });
    this.scimDuration.observe({ method: e.method, route: e.route, ...t }, e.durationMs / 1000);
  }
  retry(e: { method: string; route: string }, tenant?: string) {
    this.scimRetries.inc({ method: e.method, route: e.route, ...(tenant ? { tenant } : {}) });
  }
  outcomes(counts: Record<string, number | undefined>, tenant?: string) {
    for (const [outcome, n] of Object.entries(counts))
      if (n) this.users.inc({ outcome, ...(tenant ? { tenant } : {}) }, n);
  }
  /** `kind` as recorded: a dry run's is '<kind>-dry-run', counted under its kind with dry_run="true". */
  runFinished(kind: string, status: string, durationMs: number, tenant?: string) {
    const t: Record<string, string> = tenant ? { tenant } : {};
    const dry = kind.endsWith('-dry-run');
    const base = dry ? kind.slice(0, -'-dry-run'.length) : kind;
    this.runs.inc({ kind: base, status, dry_run: String(dry), ...t });
    this.runDuration.observe({ kind: base, dry_run: String(dry), ...t }, durationMs / 1000);
  }

  decision(event: 'opened' | 'approved' | 'rejected' | 'expired', tenant?: string) {
    this.decisions.inc({ event, ...(tenant ? { tenant } : {}) });
  }

  render(): string {
    return `${[this.scimRequests, this.scimDuration, this.scimRetries, this.users, this.runs, this.runDuration, this.decisions].map((m) => m.render()).join('\n')}\n`;
  }
}
