// One pass of the alerter: for every watched company, read its snapshot, decide what is due, claim
// each alert and send the claimed ones to every webhook. A company whose state cannot be read is
// logged and skipped; the others are still checked.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import { tenantSyncDb } from '../state/tenant-state';
import { abandonAlert, claimAlert, settleAlert } from './claims';
import { type Alert, dueAlerts } from './decide';
import { webhookBody } from './message';
import { type SendOptions, type SendResult, sendWebhook, webhookLabel } from './sender';
import { readSnapshot, type WatchedCompany } from './snapshot';

export interface CheckDeps {
  db: Kysely<SyncDatabase>;
  webhookUrls: string[];
  staleMarginMs: number;
  log: (message: string) => void;
  /** How far back ended runs are read. */
  lookBackMs: number;
  /** How long a claim is left to its worker before another takes it over. */
  leaseMs: number;
  /** Claims tried this many times and still unsent are given up. */
  maxAttempts: number;
  now?: () => Date;
  send?: SendOptions;
}

export async function checkAlerts(deps: CheckDeps, companies: WatchedCompany[]): Promise<void> {
  const now = deps.now?.() ?? new Date();
  for (const company of companies) {
    let alerts: Alert[];
    try {
      const state = tenantSyncDb(deps.db, company.tenant);
      const snapshot = await readSnapshot(state, company, new Date(now.getTime() - deps.lookBackMs));
      alerts = dueAlerts(snapshot, now, { staleMarginMs: deps.staleMarginMs });
    } catch (err) {
      deps.log(`alerts: could not read ${who(company.tenant)}'s state: ${(err as Error).message}`);
      continue;
    }
    for (const alert of alerts) {
      try {
        if (await claimAlert(deps.db, alert.tenant, alert.key, deps.leaseMs)) await deliver(deps, alert);
      } catch (err) {
        deps.log(`alerts: ${who(alert.tenant)} ${alert.key}: ${(err as Error).message}`);
      }
    }
  }
}

const who = (tenant: string | undefined) => (tenant ? `tenant ${tenant}` : 'the configured company');

/**
 * Sends to every webhook. Sent once any took it; refused for good by all: 'failed' (logged, never
 * retried); otherwise left claimed, so it is tried again after the lease — all webhooks again.
 */
async function deliver(deps: CheckDeps, alert: Alert): Promise<void> {
  const body = webhookBody(alert);
  const results: SendResult[] = [];
  for (const url of deps.webhookUrls) {
    const r = await sendWebhook(url, body, deps.send);
    results.push(r);
    if (r.outcome !== 'sent')
      deps.log(
        `alerts: ${webhookLabel(url)} ${r.outcome === 'refused' ? 'refused' : 'did not take'} ${alert.key} of ${who(alert.tenant)} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.detail}`,
      );
  }
  if (results.some((r) => r.outcome === 'sent')) {
    await settleAlert(deps.db, alert.tenant, alert.key, 'sent');
  } else if (results.every((r) => r.outcome === 'refused')) {
    await settleAlert(deps.db, alert.tenant, alert.key, 'failed');
  } else if (await abandonAlert(deps.db, alert.tenant, alert.key, deps.maxAttempts)) {
    deps.log(`alerts: gave up on ${alert.key} of ${who(alert.tenant)} after ${deps.maxAttempts} tries`);
  }
}
