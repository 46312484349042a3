// The one place where the service's configuration is read and validated.
// Every variable is documented in .env.example; a bad value stops start-up with a message naming it.
import { z } from 'zod';
import { Secret, type SecretKey } from './secret';

/** Ports and credentials of the local stack that `npm run stack:up` starts when nothing else is configured. */
export const LOCAL_DEFAULTS = {
  temporalPort: 7233,
  temporalUiPort: 8233,
  postgresPort: 55432,
  postgresUser: 'evs',
  postgresPassword: 'evs',
  engageDatabase: 'engage',
  syncDatabase: 'engage_visitor_sync',
  emulatorPort: 8790,
  emulatorToken: 'dev-visitor-token',
  metricsPort: 9464,
  logPagePort: 8795,
  /**
   * The local stack's tenant secrets key (used only when DATABASE_URL is unset, like the password and
   * token above): it lets the demo keep a second company. Never a real deployment's key.
   */
  tenantSecretsKeys: 'local:bG9jYWwtc3RhY2stb25seS1ub3QtYS1zZWNyZXQtISE=',
} as const;

export const localPostgresUrl = (database: string): string =>
  `postgres://${LOCAL_DEFAULTS.postgresUser}:${LOCAL_DEFAULTS.postgresPassword}@127.0.0.1:${LOCAL_DEFAULTS.postgresPort}/${database}`;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'expected a postgres:// URL' });
const httpUrl = z.string().url({ message: 'expected an http(s) URL' });
/** "48h", "2d", "30m", "90s" → milliseconds. */
export const durationMs = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, { message: 'expected a duration like 90s, 30m, 48h or 2d' })
  .transform((v) => {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(v)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
    return Number(match[1]) * unit;
  });

const schema = z.object({
  // Temporal
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('engage-visitor-sync'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_UI_URL: httpUrl.optional(),
  // Databases: the service's own state, and the Engage source (read-only to the sync).
  DATABASE_URL: postgresUrl.optional(),
  ENGAGE_DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  // Visitor SCIM target
  VISITOR_SCIM_URL: httpUrl.optional(),
  VISITOR_SCIM_TOKEN: z.string().min(1).optional(),
  VISITOR_SCIM_TIMEOUT: durationMs.default(30_000),
  VISITOR_SCIM_CONCURRENCY: positiveInt.max(256).default(16),
  VISITOR_SCIM_MAX_RPS: z.coerce.number().positive().optional(),
  // Local emulator (used when VISITOR_SCIM_URL is not set)
  VISITOR_EMULATOR_PORT: port.default(LOCAL_DEFAULTS.emulatorPort),
  // Sync rules and behaviour
  SYNC_DEPROVISION: z.enum(['delete', 'deactivate']).default('delete'),
  SYNC_GRANT_NEW_LOCATIONS_TO_EXISTING_USERS: bool.default(false),
  SYNC_LOCATION_ADMINS_ADMINISTER_THEIR_LOCATIONS: bool.default(false),
  SYNC_COUNTRY_ADMINS_ADMINISTER_THEIR_COUNTRIES: bool.default(false),
  SYNC_LONG_VALUES: z
    .enum(['shorten', 'refuse'], { message: 'expected shorten or refuse' })
    .default('shorten'),
  SYNC_INVITATIONS: z.string().default('send'),
  // Fewer, larger pages: less per-activity overhead for the same work (dev/bench/NOTES.md).
  SYNC_PAGE_SIZE: positiveInt.max(5000).default(1000),
  SYNC_DELETE_THRESHOLD_COUNT: z.coerce.number().int().min(0).default(500),
  SYNC_DELETE_THRESHOLD_PERCENT: z.coerce.number().min(0).max(100).default(10),
  SYNC_DELETE_WINDOW: durationMs.default(86_400_000),
  SYNC_DELETION_DECISION_TTL: durationMs.default(7 * 86_400_000),
  SYNC_SCHEDULE_INTERVAL: durationMs.default(86_400_000),
  SYNC_FULL_RECONCILE_EVERY_DAYS: z.coerce.number().int().min(0).default(7),
  // Worker
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.max(1000).default(32),
  WORKER_PAGE_SLOTS: positiveInt.max(64).default(4),
  METRICS_PORT: port.optional(),
  // Worker probes (workers/health.ts): GET /healthz and /readyz on this port; unset = off.
  HEALTH_PORT: port.optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // The provisioning-log page (npm run log-page): loopback unless told, a token required when not.
  LOG_PAGE_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_PAGE_PORT: port.default(LOCAL_DEFAULTS.logPagePort),
  LOG_PAGE_TOKEN: z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
  // Alerts (alerts/): webhook URLs (comma-separated; Slack and Teams incoming webhooks accept the body),
  // how often the worker looks, and the margin past the schedule interval before "no success" alerts.
  ALERT_WEBHOOK_URLS: z.string().optional(),
  ALERT_CHECK_INTERVAL: durationMs.default(60_000),
  ALERT_STALE_MARGIN: durationMs.default(3_600_000),
  // The Engage change feed (workers/change-feeds.ts): changes made in Engage's database by anything but
  // the Engage SCIM API reach Visitor within seconds. Overlap: how far back each poll reads again, for
  // transactions that commit late; more changed users than the threshold in one poll: one bulk run.
  CHANGE_FEED: bool.default(true),
  CHANGE_FEED_INTERVAL: durationMs.default(2000),
  CHANGE_FEED_OVERLAP: durationMs.default(60_000),
  CHANGE_FEED_BULK_THRESHOLD: positiveInt.max(1_000_000).default(500),
  // Tenant registry: keys that encrypt tenants' secrets at rest (parsed by parseSecretKeys).
  TENANT_SECRETS_KEYS: z.string().optional(),
  // Tenants with an Engage database of their own: connections per database, pools open at once per
  // worker, and how long an unused one stays open (workers/engage-pools.ts).
  TENANT_ENGAGE_POOL_SIZE: positiveInt.max(50).default(2),
  TENANT_MAX_ENGAGE_POOLS: positiveInt.max(10_000).default(16),
  TENANT_POOL_IDLE: durationMs.default(60_000),
});

export type RawEnv = z.input<typeof schema>;

export interface ServiceConfig {
  temporal: {
    /** undefined → the local dev server managed by the stack commands. */
    address: string;
    local: boolean;
    namespace: string;
    taskQueue: string;
    tls: boolean;
    tlsCertPath?: string;
    tlsKeyPath?: string;
    apiKey?: string;
    uiUrl: string;
  };
  database: { url: string; local: boolean; poolSize: number };
  engageDatabase: { url: string; local: boolean };
  visitor: {
    url: string;
    token: string;
    local: boolean;
    timeoutMs: number;
    concurrency: number;
    /** Client-side request rate cap (Visitor's limit × 0.95 or so); unset = none. */
    maxRequestsPerSecond?: number;
  };
  sync: SyncSettings;
  worker: { maxConcurrentActivities: number; pageSlots: number; metricsPort?: number; healthPort?: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** TENANT_SECRETS_KEYS: the first encrypts, all decrypt; unset = the tenant registry cannot hold secrets. */
  tenantSecretKeys?: SecretKey[];
  tenants: { engagePoolSize: number; maxEngagePools: number; idleCloseMs: number };
  /** The provisioning-log page; a token is required unless it listens on loopback only. */
  logPage: { host: string; port: number; token?: Secret<string> };
  alerts: { webhookUrls: string[]; checkIntervalMs: number; staleMarginMs: number };
  changeFeed: { enabled: boolean; intervalMs: number; overlapMs: number; bulkThreshold: number };
}

export type InvitationPolicySetting =
  | { mode: 'send' }
  | { mode: 'delay'; delayMs: number }
  | { mode: 'disabled' };

export interface SyncSettings {
  options: {
    deprovision: 'delete' | 'deactivate';
    grantNewLocationsToExistingUsers: boolean;
    locationAdminsAdministerTheirLocations: boolean;
    /** Always set by loadConfig; optional so settings built before the option existed keep it off. */
    countryAdminsAdministerTheirCountries?: boolean;
    /** A name or title over Visitor's limit: shortened with a warning, or the user refused (always set by loadConfig). */
    longValues?: 'shorten' | 'refuse';
  };
  /** Default for daily and per-user runs; an initial sync chooses its own. */
  invitations: InvitationPolicySetting;
  pageSize: number;
  /**
   * The deletion budget shared by every path (bulk runs, per-user runs): deletions within the sliding
   * window beyond either threshold (count, and percent of provisioned users) are held for an operator.
   */
  deleteThreshold: { count: number; percent: number; windowMs: number };
  /** A pending deletion decision left unanswered this long expires as rejected. */
  decisionTtlMs: number;
  scheduleIntervalMs: number;
  /** Every Nth scheduled run also reads Visitor and corrects drift; 0 = never. */
  fullReconcileEveryDays: number;
}

/** "send" | "disabled" | "delay:<duration>" (e.g. delay:48h) — the CLI flag and SYNC_INVITATIONS. */
export function parseInvitationPolicy(value: string): InvitationPolicySetting {
  if (value === 'send' || value === 'disabled') return { mode: value };
  const m = /^delay:(.+)$/.exec(value);
  if (m) {
    const d = durationMs.safeParse(m[1]);
    if (d.success && d.data > 0) return { mode: 'delay', delayMs: d.data };
  }
  throw new ConfigError(
    `invalid invitation policy "${value}": expected send, disabled or delay:<duration> (e.g. delay:48h)`,
  );
}

/** Variables whose values are never echoed in an error: tokens, keys, passwords, URLs (they may carry one). */
const SECRET_LIKE = /TOKEN|KEY|SECRET|PASSWORD|URL|DSN/;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError naming every bad variable. Never echoes secret values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServiceConfig {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = i.path.join('.') || '(root)';
      const raw = cleaned[name];
      // The value as typed (zod's coercion would say NaN), unless the variable may hold a secret.
      if (raw === undefined || SECRET_LIKE.test(name)) return `  ${name}: ${i.message}`;
      const message = /received NaN/.test(i.message)
        ? 'expected a number'
        : /expected int\b/.test(i.message)
          ? 'expected a whole number'
          : i.message;
      return `  ${name}: ${message}, got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)}`;
    });
    throw new ConfigError(
      `Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`,
    );
  }
  const e = parsed.data;
  if (e.VISITOR_SCIM_URL && !e.VISITOR_SCIM_TOKEN) {
    throw new ConfigError(
      'Invalid configuration:\n  VISITOR_SCIM_TOKEN: required when VISITOR_SCIM_URL is set',
    );
  }
  if (Boolean(e.TEMPORAL_TLS_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError(
      'Invalid configuration:\n  TEMPORAL_TLS_CERT_PATH / TEMPORAL_TLS_KEY_PATH: set both for mTLS, or neither',
    );
  }
  let invitations: InvitationPolicySetting;
  try {
    invitations = parseInvitationPolicy(e.SYNC_INVITATIONS);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  SYNC_INVITATIONS: ${(err as Error).message}`);
  }
  let tenantSecretKeys: SecretKey[] | undefined;
  try {
    const keys = e.TENANT_SECRETS_KEYS ?? (e.DATABASE_URL ? undefined : LOCAL_DEFAULTS.tenantSecretsKeys);
    tenantSecretKeys = keys ? parseSecretKeys(keys) : undefined;
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  TENANT_SECRETS_KEYS: ${(err as Error).message}`);
  }
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(e.LOG_PAGE_HOST);
  if (!loopback && !e.LOG_PAGE_TOKEN) {
    throw new ConfigError(
      `Invalid configuration:\n  LOG_PAGE_TOKEN: required when LOG_PAGE_HOST is not loopback (got ${JSON.stringify(e.LOG_PAGE_HOST)})`,
    );
  }
  const webhookUrls = (e.ALERT_WEBHOOK_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  webhookUrls.forEach((u, i) => {
    if (!httpUrl.safeParse(u).success || !/^https?:/.test(u))
      throw new ConfigError(
        `Invalid configuration:\n  ALERT_WEBHOOK_URLS: entry ${i + 1} is not an http(s) URL`,
      );
  });
  const localTemporal = !e.TEMPORAL_ADDRESS;
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${LOCAL_DEFAULTS.temporalPort}`,
      local: localTemporal,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_TLS_CERT_PATH) || Boolean(e.TEMPORAL_API_KEY),
      tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
      apiKey: e.TEMPORAL_API_KEY,
      uiUrl:
        e.TEMPORAL_UI_URL ??
        (localTemporal ? `http://127.0.0.1:${LOCAL_DEFAULTS.temporalUiPort}` : 'https://cloud.temporal.io'),
    },
    database: {
      url: e.DATABASE_URL ?? localPostgresUrl(LOCAL_DEFAULTS.syncDatabase),
      local: !e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
    },
    engageDatabase: {
      url: e.ENGAGE_DATABASE_URL ?? localPostgresUrl(LOCAL_DEFAULTS.engageDatabase),
      local: !e.ENGAGE_DATABASE_URL,
    },
    visitor: {
      url: e.VISITOR_SCIM_URL ?? `http://127.0.0.1:${e.VISITOR_EMULATOR_PORT}/scim/v1`,
      token: e.VISITOR_SCIM_TOKEN ?? LOCAL_DEFAULTS.emulatorToken,
      local: !e.VISITOR_SCIM_URL,
      timeoutMs: e.VISITOR_SCIM_TIMEOUT,
      concurrency: e.VISITOR_SCIM_CONCURRENCY,
      ...(e.VISITOR_SCIM_MAX_RPS ? { maxRequestsPerSecond: e.VISITOR_SCIM_MAX_RPS } : {}),
    },
    sync: {
      options: {
        deprovision: e.SYNC_DEPROVISION,
        grantNewLocationsToExistingUsers: e.SYNC_GRANT_NEW_LOCATIONS_TO_EXISTING_USERS,
        locationAdminsAdministerTheirLocations: e.SYNC_LOCATION_ADMINS_ADMINISTER_THEIR_LOCATIONS,
        countryAdminsAdministerTheirCountries: e.SYNC_COUNTRY_ADMINS_ADMINISTER_THEIR_COUNTRIES,
        longValues: e.SYNC_LONG_VALUES,
      },
      invitations,
      pageSize: e.SYNC_PAGE_SIZE,
      deleteThreshold: {
        count: e.SYNC_DELETE_THRESHOLD_COUNT,
        percent: e.SYNC_DELETE_THRESHOLD_PERCENT,
        windowMs: e.SYNC_DELETE_WINDOW,
      },
      decisionTtlMs: e.SYNC_DELETION_DECISION_TTL,
      scheduleIntervalMs: e.SYNC_SCHEDULE_INTERVAL,
      fullReconcileEveryDays: e.SYNC_FULL_RECONCILE_EVERY_DAYS,
    },
    worker: {
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      pageSlots: e.WORKER_PAGE_SLOTS,
      metricsPort: e.METRICS_PORT,
      healthPort: e.HEALTH_PORT,
    },
    logLevel: e.LOG_LEVEL,
    ...(tenantSecretKeys ? { tenantSecretKeys } : {}),
    tenants: {
      engagePoolSize: e.TENANT_ENGAGE_POOL_SIZE,
      maxEngagePools: e.TENANT_MAX_ENGAGE_POOLS,
      idleCloseMs: e.TENANT_POOL_IDLE,
    },
    logPage: {
      host: e.LOG_PAGE_HOST,
      port: e.LOG_PAGE_PORT,
      ...(e.LOG_PAGE_TOKEN ? { token: new Secret(e.LOG_PAGE_TOKEN) } : {}),
    },
    alerts: {
      webhookUrls,
      checkIntervalMs: e.ALERT_CHECK_INTERVAL,
      staleMarginMs: e.ALERT_STALE_MARGIN,
    },
    changeFeed: {
      enabled: e.CHANGE_FEED,
      intervalMs: e.CHANGE_FEED_INTERVAL,
      overlapMs: e.CHANGE_FEED_OVERLAP,
      bulkThreshold: e.CHANGE_FEED_BULK_THRESHOLD,
    },
  };
}

/**
 * TENANT_SECRETS_KEYS: "k2:<base64>,k1:<base64>", each key 32 random bytes (openssl rand -base64 32).
 * The first key encrypts; every key decrypts, so a new key goes first and the old one stays until
 * `tenant rotate-secrets` has re-encrypted everything. Errors name the key id, never its bytes.
 */
export function parseSecretKeys(value: string): SecretKey[] {
  const keys: SecretKey[] = [];
  const entries = value.split(',').map((e) => e.trim());
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const b64 = colon < 0 ? '' : entry.slice(colon + 1);
    if (!/^[a-z0-9_-]{1,16}$/i.test(id))
      throw new Error(
        `entry ${i + 1} must be <id>:<base64 key> with an id of 1-16 letters, digits, _ or - (e.g. k1:…)`,
      );
    if (keys.some((k) => k.id === id)) throw new Error(`key id "${id}" appears twice`);
    const key = Buffer.from(b64, 'base64');
    // Strict base64: Buffer.from skips bad characters silently, so the round trip must match.
    if (key.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '') || key.length !== 32)
      throw new Error(
        `key "${id}" must be 32 bytes in base64 (44 characters, e.g. from openssl rand -base64 32)`,
      );
    keys.push({ id, key: new Secret(key) });
  });
  return keys;
}

/** For CLIs: load or print the error and exit(2). */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): ServiceConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
