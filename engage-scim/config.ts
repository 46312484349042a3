// Settings of the Engage SCIM server (ENGAGE_SCIM_*), validated apart from the service config.
import { z } from 'zod';
import { trustedProxies } from './auth/caller';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  ENGAGE_SCIM_PORT: int(0, 65535).default(8791),
  ENGAGE_SCIM_HOST: z.string().min(1).default('127.0.0.1'),
  /** Absolute base URL for meta.location when behind a proxy; else the listening address (never Host). */
  ENGAGE_SCIM_PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .optional(),
  ENGAGE_SCIM_MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  ENGAGE_SCIM_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(100_000).default(50),
  ENGAGE_SCIM_RATE_LIMIT_BURST: int(1, 1_000_000).default(200),
  /** The token endpoint, per caller address and per client id (it costs one scrypt per request). */
  ENGAGE_SCIM_TOKEN_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(10_000).default(1),
  ENGAGE_SCIM_TOKEN_RATE_LIMIT_BURST: int(1, 100_000).default(10),
  /** Comma-separated proxy addresses or subnets whose X-Forwarded-For names the caller. */
  ENGAGE_SCIM_TRUSTED_PROXIES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .superRefine((list, ctx) => {
      try {
        trustedProxies(list);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .default([]),
  ENGAGE_SCIM_MAX_RESULTS: int(1, 10_000).default(200),
  ENGAGE_SCIM_DEFAULT_TOKEN_EXPIRY: int(60, 315_360_000).default(3600),
  ENGAGE_SCIM_PUBLISH_INTERVAL_MS: int(10, 3_600_000).default(1000),
  ENGAGE_SCIM_PUBLISH_MAX_BACKOFF_MS: int(10, 86_400_000).default(60_000),
});

export type EngageScimEnv = z.infer<typeof schema>;

export class EngageScimConfigError extends Error {
  override name = 'EngageScimConfigError';
}

/** Parses ENGAGE_SCIM_* (empty = unset); throws naming every bad variable, never echoing values. */
export function loadEngageScimConfig(env: Record<string, string | undefined> = process.env): EngageScimEnv {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('ENGAGE_SCIM_') && v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EngageScimConfigError(`Invalid Engage SCIM configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
