// The Engage SCIM server for the stack: Engage database and Temporal from the service config,
// ENGAGE_SCIM_* for the rest. Publishes the change outbox in-process. SIGTERM/SIGINT: graceful.

import type { Kysely } from 'kysely';
import { loadConfigOrExit } from '../config/service';
import { createDb } from '../db/connect';
import { EngagePools } from '../db/engage-pools';
import type { EngageDatabase } from '../db/engage-schema';
import type { SyncDatabase } from '../db/sync-schema';
import { SecretBox } from '../state/secret-box';
import { TenantRegistry } from '../state/tenants';
import { connectClient } from '../temporal/connection';
import { EngageScimConfigError, loadEngageScimConfig } from './config';
import { startPublisher } from './publisher';
import { startEngageScimServer } from './server';
import { TenantScimSources } from './tenant-sources';

const config = loadConfigOrExit();
let scim: ReturnType<typeof loadEngageScimConfig>;
try {
  scim = loadEngageScimConfig();
} catch (err) {
  if (!(err instanceof EngageScimConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}

const db = createDb<EngageDatabase>({ url: config.engageDatabase.url, applicationName: 'engage-scim' });
const publishTo = (engage: Kysely<EngageDatabase>, tenantId?: string) =>
  startPublisher({
    db: engage,
    connectionFactory: () => connectClient(config),
    taskQueue: config.temporal.taskQueue,
    intervalMs: scim.ENGAGE_SCIM_PUBLISH_INTERVAL_MS,
    maxBackoffMs: scim.ENGAGE_SCIM_PUBLISH_MAX_BACKOFF_MS,
    ...(tenantId ? { tenantId } : {}),
  });
const publisher = publishTo(db);
// The registry's tenants at /t/<tenant>/scim/api/V1 (their secrets need TENANT_SECRETS_KEYS).
const syncDb = createDb<SyncDatabase>({
  url: config.database.url,
  poolSize: 2,
  applicationName: 'engage-scim (tenants)',
});
const tenants = config.tenantSecretKeys
  ? new TenantScimSources({
      registry: new TenantRegistry(syncDb, { box: new SecretBox(config.tenantSecretKeys) }),
      sharedEngage: db,
      pools: new EngagePools({
        poolSize: config.tenants.engagePoolSize,
        maxOpen: config.tenants.maxEngagePools,
        idleCloseMs: config.tenants.idleCloseMs,
      }),
      startPublisher: (tenantId, engage) => publishTo(engage, tenantId),
      configuredEngageUrl: config.engageDatabase.url,
    })
  : undefined;
const server = await startEngageScimServer({
  db,
  ...(tenants ? { tenants: (id: string) => tenants.get(id) } : {}),
  port: scim.ENGAGE_SCIM_PORT,
  host: scim.ENGAGE_SCIM_HOST,
  publisher,
  rateLimit: { perSecond: scim.ENGAGE_SCIM_RATE_LIMIT_PER_SECOND, burst: scim.ENGAGE_SCIM_RATE_LIMIT_BURST },
  tokenRateLimit: {
    perSecond: scim.ENGAGE_SCIM_TOKEN_RATE_LIMIT_PER_SECOND,
    burst: scim.ENGAGE_SCIM_TOKEN_RATE_LIMIT_BURST,
  },
  trustedProxies: scim.ENGAGE_SCIM_TRUSTED_PROXIES,
  maxBodyBytes: scim.ENGAGE_SCIM_MAX_BODY_BYTES,
  maxResults: scim.ENGAGE_SCIM_MAX_RESULTS,
  defaultTokenExpiry: scim.ENGAGE_SCIM_DEFAULT_TOKEN_EXPIRY,
  publicUrl: scim.ENGAGE_SCIM_PUBLIC_URL,
});
console.log(`Engage SCIM API listening on ${server.baseUrl} (token provider: ${server.baseUrl}/token)`);
if (tenants) {
  // Changes a tenant's identity provider made before a restart and not yet delivered.
  const resumed = await tenants.resumePending().catch((err: unknown) => {
    console.error(`tenants: cannot resume their outboxes: ${(err as Error).message}`);
    return [];
  });
  console.log(
    `  tenants at …/t/<tenant>/scim/api/V1${resumed.length ? `; resumed outboxes of ${resumed.join(', ')}` : ''}`,
  );
}
if (!scim.ENGAGE_SCIM_PUBLIC_URL && /\/\/(0\.0\.0\.0|\[::\])[:/]/.test(server.baseUrl)) {
  console.warn(
    'ENGAGE_SCIM_PUBLIC_URL is unset and the API listens on every interface: meta.location will name ' +
      `${server.baseUrl}; set ENGAGE_SCIM_PUBLIC_URL to the URL clients use.`,
  );
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping Engage SCIM API`);
  await server.close();
  await publisher.stop();
  await tenants?.close();
  await Promise.all([db.destroy(), syncDb.destroy()]);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
