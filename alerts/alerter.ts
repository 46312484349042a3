// The webhook alerter a worker runs: every ALERT_CHECK_INTERVAL, the configured company and every
// active tenant are checked (check.ts). Every worker runs one; the claim book makes one of them send.
// Off when ALERT_WEBHOOK_URLS is empty.
import type { Kysely } from 'kysely';
import type { ServiceConfig } from '../config/service';
import type { SyncDatabase } from '../db/sync-schema';
import { TenantRegistry } from '../state/tenants';
import { type CheckDeps, checkAlerts } from './check';
import { pruneAlerts } from './claims';
import type { WatchedCompany } from './snapshot';

/** Runs that ended longer ago are not alerted on: a new install does not replay its history. */
export const LOOK_BACK_MS = 24 * 3_600_000;
/** A claim its worker did not settle in this time is taken over (the sends take well under a minute). */
export const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 6;
/** Settled claims are kept this long: far beyond the look-back, so nothing is sent again. */
const KEEP_MS = 30 * 86_400_000;

export interface AlerterOptions {
  /** The sync database (the deployment's; tenants' state is reached through it). */
  db: Kysely<SyncDatabase>;
  /** Lists the active tenants; one without a secret box is enough. */
  registry?: Pick<TenantRegistry, 'list'>;
  config: Pick<ServiceConfig, 'alerts'> & { sync: Pick<ServiceConfig['sync'], 'scheduleIntervalMs'> };
  log: (message: string) => void;
  fetch?: typeof fetch;
  /** For tests: shorter lease, look-back, back-off, another clock. */
  tuning?: Partial<Pick<CheckDeps, 'leaseMs' | 'lookBackMs' | 'maxAttempts' | 'now'>> & {
    backoffMs?: number[];
  };
}

export interface Alerter {
  /** One check now, after any in progress (passes never overlap); resolves when it is done. */
  checkNow(): Promise<void>;
  /** Stops the loop and waits for a pass in progress. */
  stop(): Promise<void>;
}

/** The companies to watch: the configured one and every active tenant, each with its interval. */
async function watched(o: AlerterOptions, registry: Pick<TenantRegistry, 'list'>): Promise<WatchedCompany[]> {
  const tenants = await registry.list({ states: ['active'] });
  return [
    { tenant: undefined, intervalMs: o.config.sync.scheduleIntervalMs },
    ...tenants.map((t) => ({ tenant: t.id, intervalMs: t.schedule.intervalMs, registeredAt: t.createdAt })),
  ];
}

export function startAlerter(o: AlerterOptions): Alerter {
  const urls = o.config.alerts.webhookUrls;
  if (urls.length === 0) return { checkNow: async () => {}, stop: async () => {} };
  const registry = o.registry ?? new TenantRegistry(o.db);
  const t = o.tuning ?? {};
  const deps: CheckDeps = {
    db: o.db,
    webhookUrls: urls,
    staleMarginMs: o.config.alerts.staleMarginMs,
    log: o.log,
    lookBackMs: t.lookBackMs ?? LOOK_BACK_MS,
    leaseMs: t.leaseMs ?? LEASE_MS,
    maxAttempts: t.maxAttempts ?? MAX_ATTEMPTS,
    ...(t.now ? { now: t.now } : {}),
    send: { ...(o.fetch ? { fetch: o.fetch } : {}), ...(t.backoffMs ? { backoffMs: t.backoffMs } : {}) },
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    try {
      await checkAlerts(deps, await watched(o, registry));
      await pruneAlerts(o.db, KEEP_MS);
    } catch (err) {
      o.log(`alerts: check failed: ${(err as Error).message}`);
    }
  };
  // Passes never overlap: a slow one delays the next rather than racing it.
  const checkNow = () => {
    running = running.then(pass);
    return running;
  };
  // The first pass one interval after start: the worker gets going first, and a crash-looping one adds no load.
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void checkNow().then(schedule), o.config.alerts.checkIntervalMs);
    // A waiting alerter must not keep a stopping process alive.
    timer.unref();
  };
  o.log(
    `alerts: checking every ${Math.round(o.config.alerts.checkIntervalMs / 1000)}s, ${urls.length} webhook(s)`,
  );
  schedule();
  return {
    checkNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
