// The product's own Prometheus metrics (text exposition format 0.0.4), without a metrics library:
// a few counters and histograms with labels are all the worker needs.
type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map(
      (k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1) {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}) {
    return this.values.get(key(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[],
  ) {}
  observe(labels: Labels, value: number) {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) s.buckets[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      for (const [i, b] of this.bounds.entries())
        lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.buckets[i]}`);
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

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
  readonly runs = new Counter('evs_runs_total', 'Finished runs by kind and status.');
  readonly decisions = new Counter(
    'evs_deletion_decisions_total',
    'Deletion decisions by event: opened (deletions held past the budget), approved, rejected, expired.',
  );
  readonly runDuration = new Histogram(
    'evs_run_duration_seconds',
    'Duration of finished runs by kind.',
    [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600],
  );

  /** The same metrics for one tenant's runs: every series carries `tenant="<id>"`. */
  forTenant(tenant: string): TenantMetrics {
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
  runFinished(kind: string, status: string, durationMs: number, tenant?: string) {
    const t: Record<string, string> = tenant ? { tenant } : {};
    this.runs.inc({ kind, status, ...t });
    this.runDuration.observe({ kind, ...t }, durationMs / 1000);
  }

  decision(event: 'opened' | 'approved' | 'rejected' | 'expired', tenant?: string) {
    this.decisions.inc({ event, ...(tenant ? { tenant } : {}) });
  }

  render(): string {
    return `${[this.scimRequests, this.scimDuration, this.scimRetries, this.users, this.runs, this.runDuration, this.decisions].map((m) => m.render()).join('\n')}\n`;
  }
}
