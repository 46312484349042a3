// A tenant's options and schedule as flags of `tenant add` and `tenant update`. Each option is the
// tenant's own value of a SYNC_* / VISITOR_SCIM_MAX_RPS setting; on update, "default" drops it so
// the deployment's value applies again.
import { parseInvitationPolicy } from '../../config/service';
import type { TenantOptionName, TenantOptions, TenantSchedule } from '../../state/tenant-rules';
import { checkScheduleTime, checkTimeZone, TenantRuleError } from '../../state/tenant-rules';
import { durationFlag, type FlagSpec, oneOf, type ParsedCommand, stringFlag, UsageError } from '../args';

type Change = { [K in TenantOptionName]?: TenantOptions[K] | null };

interface OptionFlag {
  option: TenantOptionName;
  setting: string;
  value: string;
  parse(label: string, value: string): TenantOptions[TenantOptionName];
}

const bool = (label: string, v: string) => oneOf(label, v, ['true', 'false'] as const) === 'true';

function number(label: string, v: string, min: number, max: number, whole: boolean): number {
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n)))
    throw new UsageError(
      `${label} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${v}"`,
    );
  return n;
}

const OPTION_FLAGS: Record<string, OptionFlag> = {
  deprovision: {
    option: 'deprovision',
    setting: 'SYNC_DEPROVISION',
    value: 'delete|deactivate',
    parse: (l, v) => oneOf(l, v, ['delete', 'deactivate'] as const),
  },
  'grant-new-locations': {
    option: 'grantNewLocationsToExistingUsers',
    setting: 'SYNC_GRANT_NEW_LOCATIONS_TO_EXISTING_USERS',
    value: 'true|false',
    parse: bool,
  },
  'location-admins': {
    option: 'locationAdminsAdministerTheirLocations',
    setting: 'SYNC_LOCATION_ADMINS_ADMINISTER_THEIR_LOCATIONS',
    value: 'true|false',
    parse: bool,
  },
  'country-admins': {
    option: 'countryAdminsAdministerTheirCountries',
    setting: 'SYNC_COUNTRY_ADMINS_ADMINISTER_THEIR_COUNTRIES',
    value: 'true|false',
    parse: bool,
  },
  'long-values': {
    option: 'longValues',
    setting: 'SYNC_LONG_VALUES',
    value: 'shorten|refuse',
    parse: (l, v) => oneOf(l, v, ['shorten', 'refuse'] as const),
  },
  invitations: {
    option: 'invitations',
    setting: 'SYNC_INVITATIONS',
    value: 'send|delay:<dur>|disabled',
    parse: (l, v) => {
      try {
        return parseInvitationPolicy(v);
      } catch (err) {
        throw new UsageError(`${l}: ${(err as Error).message}`);
      }
    },
  },
  'delete-threshold-count': {
    option: 'deleteThresholdCount',
    setting: 'SYNC_DELETE_THRESHOLD_COUNT',
    value: 'N',
    parse: (l, v) => number(l, v, 0, 10_000_000, true),
  },
  'delete-threshold-percent': {
    option: 'deleteThresholdPercent',
    setting: 'SYNC_DELETE_THRESHOLD_PERCENT',
    value: '0-100',
    parse: (l, v) => number(l, v, 0, 100, false),
  },
  'delete-window': {
    option: 'deleteWindowMs',
    setting: 'SYNC_DELETE_WINDOW',
    value: 'duration',
    parse: (l, v) => durationFlag(l, v),
  },
  'max-rps': {
    option: 'maxRequestsPerSecond',
    setting: 'VISITOR_SCIM_MAX_RPS',
    value: 'req/s',
    parse: (l, v) => number(l, v, 0.01, 10_000, false),
  },
  'change-feed': {
    option: 'changeFeed',
    setting: 'CHANGE_FEED',
    value: 'true|false',
    parse: bool,
  },
};

export function optionFlagSpecs(update: boolean): Record<string, FlagSpec> {
  return Object.fromEntries(
    Object.entries(OPTION_FLAGS).map(([name, f]) => [
      name,
      {
        type: 'string',
        value: update ? `${f.value}|default` : f.value,
        description: `this tenant's ${f.setting}${update ? ' ("default": the deployment\'s again)' : ''}`,
      } satisfies FlagSpec,
    ]),
  );
}

/** The options given on the command line; "default" (update only) becomes null. */
export function optionChange(p: ParsedCommand, update: boolean): Change {
  const change: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(OPTION_FLAGS)) {
    const v = stringFlag(p, name);
    if (v === undefined) continue;
    change[f.option] = update && v === 'default' ? null : f.parse(`--${name}`, v);
  }
  return change as Change;
}

export const SCHEDULE_FLAGS: Record<string, FlagSpec> = {
  time: {
    type: 'string',
    value: 'HH:MM',
    description: 'time of day of the scheduled run, in --time-zone (default 02:00)',
  },
  'time-zone': {
    type: 'string',
    value: 'zone',
    description: 'IANA time zone of --time, e.g. Europe/Brussels (default UTC)',
  },
  interval: { type: 'string', value: 'duration', description: 'time between scheduled runs (default 24h)' },
};

/** Schedule flags checked here, so a mistake names the flag. */
export function scheduleChange(p: ParsedCommand): Partial<Omit<TenantSchedule, 'jitterMs'>> {
  const time = stringFlag(p, 'time');
  const zone = stringFlag(p, 'time-zone');
  const interval = stringFlag(p, 'interval');
  const named = <T>(flag: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof TenantRuleError) throw new UsageError(`--${flag}: ${err.message}`);
      throw err;
    }
  };
  const intervalMs = interval === undefined ? undefined : durationFlag('--interval', interval);
  if (intervalMs !== undefined && intervalMs < 60_000)
    throw new UsageError(`--interval must be at least 1m, got "${interval}"`);
  return {
    ...(time !== undefined ? { time: named('time', () => checkScheduleTime(time)) } : {}),
    ...(zone !== undefined ? { timeZone: named('time-zone', () => checkTimeZone(zone)) } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
  };
}
