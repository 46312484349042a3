/** Request counters by route template and status, and totals by method, for /_admin/stats. */
export class RequestStats {
  private byRoute = new Map<string, Map<string, number>>();
  private byMethod = new Map<string, number>();
  private total = 0;
  private since = new Date().toISOString();

  /** `outcome` is the HTTP status, or "dropped" / "hung" for injected socket faults. */
  record(method: string, template: string, outcome: number | string): void {
    const key = `${method} ${template}`;
    let statuses = this.byRoute.get(key);
    if (!statuses) {
      statuses = new Map();
      this.byRoute.set(key, statuses);
    }
    const status = String(outcome);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    this.byMethod.set(method, (this.byMethod.get(method) ?? 0) + 1);
    this.total++;
  }

  reset(): void {
    this.byRoute = new Map();
    this.byMethod = new Map();
    this.total = 0;
    this.since = new Date().toISOString();
  }

  toJSON() {
    const routes: Record<string, Record<string, number>> = {};
    for (const [key, statuses] of [...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) {
      routes[key] = Object.fromEntries(statuses);
    }
    return { since: this.since, total: this.total, byMethod: Object.fromEntries(this.byMethod), routes };
  }
}
