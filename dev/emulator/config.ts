/**
 * Emulator settings from the environment, validated with zod. A bad value stops start-up with
 * a message naming the variable and what is wrong with it.
 */
import { z } from 'zod';
import { FaultConfigSchema } from './faults';
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

const variables = {
  VISITOR_EMULATOR_HOST: z.string().trim().min(1).default('127.0.0.1'),
  VISITOR_EMULATOR_PORT: intIn(0, 65535).default(8790),
  VISITOR_EMULATOR_TOKEN: z.string().min(8, 'must be at least 8 characters').default('dev-visitor-token'),
  VISITOR_EMULATOR_ADMIN_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  VISITOR_EMULATOR_DATA_FILE: z.string().trim().min(1).optional(),
  VISITOR_EMULATOR_MAX_PAGE_SIZE: intIn(1, 10_000).default(500),
  VISITOR_EMULATOR_DEFAULT_LOCATION_NAME: z.string().trim().min(1).max(255).default('Headquarters'),
  VISITOR_EMULATOR_FAULTS: jsonText.pipe(FaultConfigSchema).optional(),
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

export function loadConfig(env: Env = process.env): VisitorEmulatorOptions {
  const faults = read(env, 'VISITOR_EMULATOR_FAULTS');
  const dataFile = read(env, 'VISITOR_EMULATOR_DATA_FILE');
  const adminToken = read(env, 'VISITOR_EMULATOR_ADMIN_TOKEN');
  return {
    host: read(env, 'VISITOR_EMULATOR_HOST'),
    port: read(env, 'VISITOR_EMULATOR_PORT'),
    token: read(env, 'VISITOR_EMULATOR_TOKEN'),
    maxPageSize: read(env, 'VISITOR_EMULATOR_MAX_PAGE_SIZE'),
    defaultLocation: { name: read(env, 'VISITOR_EMULATOR_DEFAULT_LOCATION_NAME') },
    ...(faults ? { faults } : {}),
    ...(dataFile ? { dataFile } : {}),
    ...(adminToken ? { adminToken } : {}),
  };
}
