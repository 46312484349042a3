// Callers that proved a client's secret lately. A client id's own limit (against a secret guessed
// from many addresses) does not turn them away: whoever knows an identity provider's client id could
// otherwise keep its bucket empty with cheap requests and lock the provider out of its tokens.
// Bounded and in memory, like the buckets.

const TTL_MS = 24 * 3_600_000;

export class ProvenCallers {
  // Insertion order is expiry order: every proof re-inserts with the same TTL.
  private readonly until = new Map<string, number>();

  constructor(
    private readonly maxKeys = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  has(clientId: string, caller: string): boolean {
    const t = this.now();
    for (const [k, exp] of this.until) {
      if (exp > t) break;
      this.until.delete(k);
    }
    return (this.until.get(`${clientId}\n${caller}`) ?? 0) > t;
  }

  prove(clientId: string, caller: string): void {
    const key = `${clientId}\n${caller}`;
    this.until.delete(key);
    this.until.set(key, this.now() + TTL_MS);
    if (this.until.size > this.maxKeys) this.until.delete(this.until.keys().next().value!);
  }
}
