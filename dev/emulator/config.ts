/**
 * Emulator settings from the environment, validated with zod. A bad value stops start-up with
 * a message naming the variable and what is wrong with it.
 */
import { z } from 'zod';
import { FaultConfigSchema } from './faults';
import type { LatencyRange, ProfileInput } from './profile';
import { DEFAULT_REALISTIC_LATENCY, DEFAULT_REALISTIC_RATE_LIMIT } from './profile';
import type { VisitorEmulatorOptions } from './server';

const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return z.NEVER;
  }
});

/** `off` (→ null), or what the inner schema makes of the text (its messages kept). */
const orOff = <T extends z.ZodType<unknown, string>>(inner: T) =>
  z.string().transform((text, ctx): z.output<T> | null => {
    if (text.trim().toLowerCase() === 'off') return null;
    const result = inner.safeParse(text);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    return z.NEVER;
  });

/** "100-300ms", "100–300 ms", "250ms" (fixed), "0" — milliseconds, 0 … 60000. */
const latencyRange = z.string().transform((text, ctx): LatencyRange => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:(?:-|–|\.\.)\s*(\d+(?:\.\d+)?)\s*)?(?:ms)?\s*$/i.exec(text);
  const min = Number(m?.[1]);
  const max = m?.[2] === undefined ? min : Number(m[2]);
  if (!m || min > max || max > 60_000) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be a latency range in milliseconds like "100-300ms" (min ≤ max ≤ 60000) or one value like "200ms"',
    });
    return z.NEVER;
  }
  return { min, max };
});

const perSecond = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a number of requests per second like "10" or "0.5", or "off"')
  .transform(Number)
  .pipe(z.number().positive('must be more than 0 (or "off")').max(1_000_000));

const variables = {
  VISITOR_EMULATOR_HOST: z.string().trim().min(1).default('127.0.0.1'),
  VISITOR_EMULATOR_PORT: intIn(0, 65535).default(8790),
  VISITOR_EMULATOR_TOKEN: z.string().min(8, 'must be at least 8 characters').default('dev-visitor-token'),
  VISITOR_EMULATOR_ADMIN_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  VISITOR_EMULATOR_DATA_FILE: z.string().trim().min(1).optional(),
  VISITOR_EMULATOR_MAX_PAGE_SIZE: intIn(1, 10_000).default(500),
  VISITOR_EMULATOR_DEFAULT_LOCATION_NAME: z.string().trim().min(1).max(255).default('Headquarters'),
  VISITOR_EMULATOR_FAULTS: jsonText.pipe(FaultConfigSchema).optional(),
  VISITOR_EMULATOR_PROFILE: z
    .enum(['loopback', 'realistic'], { error: 'must be "loopback" or "realistic"' })
    .default('loopback'),
  VISITOR_EMULATOR_LATENCY: latencyRange.optional(),
  VISITOR_EMULATOR_RATE_LIMIT: orOff(perSecond).optional(),
  VISITOR_EMULATOR_MAX_LIST_OFFSET: orOff(intIn(1, 1_000_000_000)).optional(),
  VISITOR_EMULATOR_PATCH: z
    .enum(['on', 'off'], { error: 'must be "on" or "off"' })
    .default('on')
    .transform((value) => value === 'on'),
};

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function read<K extends keyof typeof variables>(env: Env, name: K): z.infer<(typeof variables)[K]> {
  const raw = env[name];
  const result = variables[name].safeParse(raw === '' ? undefined : raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
    throw new ConfigError(
      `${name}${where}: ${issue?.message ?? 'invalid value'} — got ${JSON.stringify(raw)}`,
    );
  }
  return result.data as z.infer<(typeof variables)[K]>;
}

/** The profile and its tuning; the tuning variables are refused unless the profile is realistic. */
function readProfile(env: Env): ProfileInput {
  const name = read(env, 'VISITOR_EMULATOR_PROFILE');
  const latencyMs = read(env, 'VISITOR_EMULATOR_LATENCY');
  const rateLimit = read(env, 'VISITOR_EMULATOR_RATE_LIMIT');
  if (name === 'loopback') {
    for (const tuning of ['VISITOR_EMULATOR_LATENCY', 'VISITOR_EMULATOR_RATE_LIMIT'] as const) {
      if (env[tuning]) {
        throw new ConfigError(
          `${tuning}: applies only with VISITOR_EMULATOR_PROFILE=realistic (the profile is loopback) — got ${JSON.stringify(env[tuning])}`,
        );
      }
    }
    return 'loopback';
  }
  return {
    name,
    latencyMs: latencyMs ?? DEFAULT_REALISTIC_LATENCY,
    rateLimitPerSecond: rateLimit === undefined ? DEFAULT_REALISTIC_RATE_LIMIT : rateLimit,
  };
}

export function loadConfig(env: Env = process.env): VisitorEmulatorOptions {
  const faults = read(env, 'VISITOR_EMULATOR_FAULTS');
  const dataFile = read(env, 'VISITOR_EMULATOR_DATA_FILE');
  const adminToken = read(env, 'VISITOR_EMULATOR_ADMIN_TOKEN');
  const maxListOffset = read(env, 'VISITOR_EMULATOR_MAX_LIST_OFFSET');
  return {
    host: read(env, 'VISITOR_EMULATOR_HOST'),
    port: read(env, 'VISITOR_EMULATOR_PORT'),
    token: read(env, 'VISITOR_EMULATOR_TOKEN'),
    maxPageSize: read(env, 'VISITOR_EMULATOR_MAX_PAGE_SIZE'),
    defaultLocation: { name: read(env, 'VISITOR_EMULATOR_DEFAULT_LOCATION_NAME') },
    profile: readProfile(env),
    patch: read(env, 'VISITOR_EMULATOR_PATCH'),
    ...(maxListOffset ? { maxListOffset } : {}),
    ...(faults ? { faults } : {}),
    ...(dataFile ? { dataFile } : {}),
    ...(adminToken ? { adminToken } : {}),
  };
}
