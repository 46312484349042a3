// Pure rules of the tenant registry: what a tenant id, a schedule and its options may be, the jitter
// that spreads 10,000 tenants' schedules, the state transitions, and the settings a tenant's runs use
// (its options over the deployment's defaults). No I/O: unit-tested in test/state/tenant-rules.test.ts.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { InvitationPolicySetting, SyncSettings } from '../config/service';
import type { TenantStateName } from '../db/sync-schema';

/** A value the registry refuses; the message names the field (the CLI prints it with exit 2). */
export class TenantRuleError extends Error {
  override name = 'TenantRuleError';
}

/** An action the tenant's state does not allow (pause a paused tenant): not a bad value, exit 1. */
export class TenantStateError extends Error {
  override name = 'TenantStateError';
}

export const TENANT_STATES: readonly TenantStateName[] = ['onboarding', 'active', 'paused', 'offboarded'];

/** Goes into workflow and schedule ids: lowercase letters, digits, inner hyphens, 2-40 characters. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/;

export function checkTenantId(id: string): string {
  if (!TENANT_ID.test(id))
    throw new TenantRuleError(
      `tenant id must be 2-40 lowercase letters, digits or hyphens, starting and ending with a letter or digit, got "${id}"`,
    );
  return id;
}

export function checkDisplayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 200 || /\p{Cc}/u.test(trimmed))
    throw new TenantRuleError('display name must be 1-200 characters without control characters');
  return trimmed;
}

/** A schema in the shared Engage database: a plain lowercase PostgreSQL identifier. */
export function checkEngageSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new TenantRuleError(
      `Engage schema must be a lowercase identifier (letters, digits, _; at most 63), got "${schema}"`,
    );
  // The shared database's own schema is the configured company's data (and its SCIM clients).
  if (schema === 'engage' || schema.startsWith('pg_') || schema === 'information_schema')
    throw new TenantRuleError(
      `Engage schema "${schema}" is not a tenant's own: give the tenant its own schema`,
    );
  return schema;
}

/** Stored in plain, so it must not carry credentials; the token travels separately. */
export function checkVisitorUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not repeated: a token pasted in its place must not be printed back.
    throw new TenantRuleError('Visitor SCIM URL must be an http(s) URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new TenantRuleError(`Visitor SCIM URL must be an http(s) URL, not ${u.protocol}`);
  if (u.username || u.password)
    throw new TenantRuleError(
      'Visitor SCIM URL must not carry a user or password (give the token from a file)',
    );
  return url.replace(/\/+$/, '');
}

/** The Engage database URL comes from a file or stdin; errors never repeat it (it may hold a password). */
export function checkEngageDatabaseUrl(url: string): string {
  if (!/^postgres(ql)?:\/\/\S+$/.test(url))
    throw new TenantRuleError('the Engage database URL must be one postgres:// URL');
  return url;
}

export function checkScheduleTime(time: string): string {
  if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(time))
    throw new TenantRuleError(`schedule time must be HH:MM (00:00-23:59), got "${time}"`);
  return time;
}

/** An IANA zone the runtime knows, with its usual capitals (europe/brussels → Europe/Brussels). */
export function checkTimeZone(zone: string): string {
  const refuse = (): never => {
    throw new TenantRuleError(`time zone must be an IANA zone like Europe/Brussels or UTC, got "${zone}"`);
  };
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) refuse();
  try {
    // Intl knows the IANA zones of the runtime's ICU data; an unknown one throws RangeError.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // ICU may answer with an older alias (America/Buenos_Aires): only its spelling of the same name is taken.
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
  } catch {
    return refuse();
  }
}

/** Schedules are spread over at most this much after their time of day. */
export const JITTER_WINDOW_MS = 3_600_000;

/**
 * A tenant's fixed offset after its scheduled time: derived from its id (sha256), so it is the same
 * on every worker and after every restart, and 10,000 tenants at 02:00 start over an hour, not at
 * once. Whole seconds, within min(interval, 1h).
 */
export function scheduleJitterMs(tenantId: string, intervalMs: number): number {
  const window = Math.min(intervalMs, JITTER_WINDOW_MS);
  if (window < 1000) return 0;
  const n = createHash('sha256').update(tenantId).digest().readUIntBE(0, 6);
  return (n % Math.floor(window / 1000)) * 1000;
}

/** The zone's offset from UTC at instant t (ms). */
function zoneOffsetMs(timeZone: string, t: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(t));
  const p = Object.fromEntries(parts.map((x) => [x.type, Number(x.value)])) as Record<string, number>;
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(t / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * Why a daily schedule at `time` + `jitterMs` in `timeZone` would misfire in the coming year, or
 * undefined: a local time a daylight-saving change skips (no run that day) or repeats (two runs).
 */
export function dailyTimeProblem(
  time: string,
  timeZone: string,
  jitterMs: number,
  from: Date,
): string | undefined {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const wall = (h * 3_600_000 + m * 60_000 + jitterMs) % DAY_MS;
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const label = new Date(wall).toISOString().slice(11, 19);
  for (let day = 0; day < 370; day++) {
    const asUtc = start + day * DAY_MS + wall;
    // The instants whose local time is this wall time: one per offset in force around that day.
    const offsets = new Set([zoneOffsetMs(timeZone, asUtc - DAY_MS), zoneOffsetMs(timeZone, asUtc + DAY_MS)]);
    const instants = [...offsets]
      .map((o) => asUtc - o)
      .filter((t) => zoneOffsetMs(timeZone, t) === asUtc - t);
    if (instants.length === 1) continue;
    const date = new Date(start + day * DAY_MS).toISOString().slice(0, 10);
    return instants.length === 0
      ? `${label} ${timeZone} does not exist on ${date} (daylight saving): that day would have no run`
      : `${label} ${timeZone} happens twice on ${date} (daylight saving): that day would have two runs`;
  }
  return undefined;
}

export interface TenantSchedule {
  /** HH:MM in timeZone. */
  time: string;
  /** IANA time zone. */
  timeZone: string;
  intervalMs: number;
  jitterMs: number;
}

// --- options ----------------------------------------------------------------------------------------

const invitationPolicy = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('send') }).strict(),
  z.object({ mode: z.literal('disabled') }).strict(),
  z.object({ mode: z.literal('delay'), delayMs: z.number().int().positive() }).strict(),
]);

/** A tenant's own values of the rule options; what is absent comes from the deployment's defaults. */
export const tenantOptionsSchema = z
  .object({
    deprovision: z.enum(['delete', 'deactivate']),
    grantNewLocationsToExistingUsers: z.boolean(),
    locationAdminsAdministerTheirLocations: z.boolean(),
    countryAdminsAdministerTheirCountries: z.boolean(),
    longValues: z.enum(['shorten', 'refuse']),
    invitations: invitationPolicy,
    deleteThresholdCount: z.number().int().min(0),
    deleteThresholdPercent: z.number().min(0).max(100),
    deleteWindowMs: z.number().int().positive(),
    /** Visitor's rate limit for this company (VISITOR_SCIM_MAX_RPS for the single tenant). */
    maxRequestsPerSecond: z.number().positive(),
    /** Whether the Engage change feed runs for this company (CHANGE_FEED for the deployment). */
    changeFeed: z.boolean(),
  })
  .partial()
  .strict();

export type TenantOptions = z.infer<typeof tenantOptionsSchema>;
export type TenantOptionName = keyof TenantOptions;
export const TENANT_OPTION_NAMES = Object.keys(tenantOptionsSchema.shape) as TenantOptionName[];

export function checkTenantOptions(value: unknown): TenantOptions {
  const parsed = tenantOptionsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TenantRuleError(`option ${issue.path.join('.') || '(options)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Applies a change: a value sets an option, null drops the tenant's own value (the default again). */
export function mergeTenantOptions(
  current: TenantOptions,
  change: { [K in TenantOptionName]?: TenantOptions[K] | null },
): TenantOptions {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  return checkTenantOptions(next);
}

/** What a tenant's runs use: its own options over the deployment's (config/service.ts) defaults. */
export function resolveTenantSettings(
  defaults: { sync: SyncSettings; maxRequestsPerSecond?: number },
  o: TenantOptions,
): { sync: SyncSettings; maxRequestsPerSecond?: number } {
  const d = defaults.sync;
  const maxRequestsPerSecond = o.maxRequestsPerSecond ?? defaults.maxRequestsPerSecond;
  return {
    sync: {
      ...d,
      options: {
        ...d.options,
        ...(o.deprovision !== undefined ? { deprovision: o.deprovision } : {}),
        ...(o.grantNewLocationsToExistingUsers !== undefined
          ? { grantNewLocationsToExistingUsers: o.grantNewLocationsToExistingUsers }
          : {}),
        ...(o.locationAdminsAdministerTheirLocations !== undefined
          ? { locationAdminsAdministerTheirLocations: o.locationAdminsAdministerTheirLocations }
          : {}),
        ...(o.countryAdminsAdministerTheirCountries !== undefined
          ? { countryAdminsAdministerTheirCountries: o.countryAdminsAdministerTheirCountries }
          : {}),
        ...(o.longValues !== undefined ? { longValues: o.longValues } : {}),
      },
      invitations: (o.invitations as InvitationPolicySetting | undefined) ?? d.invitations,
      deleteThreshold: {
        count: o.deleteThresholdCount ?? d.deleteThreshold.count,
        percent: o.deleteThresholdPercent ?? d.deleteThreshold.percent,
        windowMs: o.deleteWindowMs ?? d.deleteThreshold.windowMs,
      },
    },
    ...(maxRequestsPerSecond !== undefined ? { maxRequestsPerSecond } : {}),
  };
}

// --- states -----------------------------------------------------------------------------------------

export type TenantAction = 'pause' | 'resume' | 'remove' | 'update';

/**
 * The state after an operator's action, or a TenantStateError saying why not. `resume` starts an
 * onboarding tenant, restarts a paused one, and brings back an offboarded one whose secrets are not
 * purged yet (the grace period is there to undo a mistaken remove).
 */
export function nextTenantState(
  state: TenantStateName,
  action: TenantAction,
  o: { secretsPurged: boolean; id: string },
): TenantStateName {
  const refuse = (why: string): never => {
    throw new TenantStateError(`tenant ${o.id} ${why}`);
  };
  switch (action) {
    case 'pause':
      if (state === 'paused') return refuse('is already paused');
      if (state === 'offboarded') return refuse('is offboarded');
      return 'paused';
    case 'resume':
      if (state === 'active') return refuse('is already active');
      if (state === 'offboarded' && o.secretsPurged)
        return refuse('is offboarded and its secrets are purged: add it again under a new id');
      return 'active';
    case 'remove':
      if (state === 'offboarded') return refuse('is already offboarded');
      return 'offboarded';
    case 'update':
      if (state === 'offboarded') return refuse('is offboarded: resume it first to change it');
      return state;
  }
}
