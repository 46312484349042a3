/**
 * Request counters for /_admin/stats: by route template and status and by method (counted when
 * the answer is sent), and per company (bearer token) and overall (counted when a request
 * arrives): requests, 429s, and the most requests — all, and those let through the rate
 * limits — that arrived in any sliding 1-second window. O(1) amortised per request.
 */
import { PeakCounter } from './profile';

class ArrivalCounters {
  readonly requests = new PeakCounter();
  readonly accepted = new PeakCounter();
  rateLimited = 0;

  add(now: number, rateLimited: boolean): void {
    this.requests.add(now);
    if (rateLimited) this.rateLimited++;
    else this.accepted.add(now);
  }

  toJSON() {
    return {
      requests: this.requests.count,
      accepted: this.accepted.count,
      rateLimited: this.rateLimited,
      maxRequestsInAnySecond: this.requests.peak,
      maxAcceptedInAnySecond: this.accepted.peak,
    };
  }
}

export class RequestStats {
  private byRoute = new Map<string, Map<string, number>>();
  private byMethod = new Map<string, number>();
  private total = 0;
  private since = new Date().toISOString();
  private overall = new ArrivalCounters();
  private companies = new Map<string, ArrivalCounters>();

  /** `companies`: the labels listed even before their first request. */
  constructor(private readonly knownCompanies: readonly string[] = []) {
    this.reset();
  }

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

  /**
   * A SCIM request arrived at `now` (ms, monotonic); `company` is undefined without a valid token
   * (counted overall only). `rateLimited`: answered 429 by the profile's or the faults' limit.
   */
  arrival(company: string | undefined, rateLimited: boolean, now: number = performance.now()): void {
    this.overall.add(now, rateLimited);
    if (company === undefined) return;
    let counters = this.companies.get(company);
    if (!counters) {
      counters = new ArrivalCounters();
      this.companies.set(company, counters);
    }
    counters.add(now, rateLimited);
  }

  reset(): void {
    this.byRoute = new Map();
    this.byMethod = new Map();
    this.total = 0;
    this.since = new Date().toISOString();
    this.overall = new ArrivalCounters();
    this.companies = new Map(this.knownCompanies.map((c) => [c, new ArrivalCounters()]));
  }

  toJSON() {
    const routes: Record<string, Record<string, number>> = {};
    for (const [key, statuses] of [...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) {
      routes[key] = Object.fromEntries(statuses);
    }
    const companies: Record<string, ReturnType<ArrivalCounters['toJSON']>> = {};
    for (const [name, counters] of this.companies) companies[name] = counters.toJSON();
    return {
      since: this.since,
      total: this.total,
      byMethod: Object.fromEntries(this.byMethod),
      routes,
      overall: this.overall.toJSON(),
      companies,
    };
  }
}
