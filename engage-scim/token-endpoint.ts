// POST …/token: Engage's token provider. Form-encoded scimClientId, scimClientSecret,
// grantType=password and optional tokenExpiry (seconds, 60 … 315,360,000). The server limits the
// caller before calling it (auth/token-limits.ts): checking a secret costs one scrypt.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EngageDatabase } from '../db/engage-schema';
import { issueToken, MAX_TOKEN_EXPIRY, MIN_TOKEN_EXPIRY } from './auth/tokens';

// PostgreSQL refuses NUL in a text parameter: refused here as a bad request, not a 500 there.
const field = (name: string, max: number) =>
  z
    .string({ message: `${name} is required` })
    .min(1, `${name} is required`)
    .max(max, `${name} is too long`)
    .refine((s) => !s.includes('\u0000'), `${name} contains a NUL character`);

const form = z.object({
  scimClientId: field('scimClientId', 128),
  scimClientSecret: field('scimClientSecret', 512),
  grantType: z.literal('password', { message: 'grantType must be "password"' }),
  tokenExpiry: z
    .string()
    .regex(/^\d{1,12}$/, 'tokenExpiry must be a whole number of seconds')
    .transform(Number)
    .pipe(
      z
        .number()
        .min(MIN_TOKEN_EXPIRY, `tokenExpiry must be at least ${MIN_TOKEN_EXPIRY}`)
        .max(MAX_TOKEN_EXPIRY, `tokenExpiry must be at most ${MAX_TOKEN_EXPIRY} (10 years)`),
    )
    .optional(),
});

export interface TokenResult {
  status: number;
  body: Record<string, unknown>;
}

/** Answers a parsed form; the caller has rate-limited by address and by client id. */
export async function tokenRequest(
  db: Kysely<EngageDatabase>,
  fields: Record<string, string>,
  defaultExpiry: number,
): Promise<TokenResult> {
  const parsed = form.safeParse(fields);
  if (!parsed.success) {
    return {
      status: 400,
      body: { error: 'invalid_request', error_description: parsed.error.issues[0]?.message ?? 'bad request' },
    };
  }
  const expiresIn = parsed.data.tokenExpiry ?? defaultExpiry;
  const issued = await issueToken(db, parsed.data.scimClientId, parsed.data.scimClientSecret, expiresIn);
  if (!issued) {
    return {
      status: 401,
      body: { error: 'invalid_client', error_description: 'unknown client or wrong secret' },
    };
  }
  return { status: 200, body: { accessToken: issued.accessToken, tokenType: 'bearer', expiresIn } };
}

/** Form-encoded, as Engage's token provider takes; JSON accepted too. Strings only. */
export function parseTokenFields(raw: Buffer, contentType: string | undefined): Record<string, string> {
  const text = raw.toString('utf8');
  if (contentType?.includes('json')) {
    try {
      const o = JSON.parse(text) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) {
        // Numbers and booleans as their text; objects and arrays are no field value (and String() of
        // an array nested deep enough would overflow the stack).
        return Object.fromEntries(
          Object.entries(o)
            .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
            .map(([k, v]) => [k, String(v)]),
        );
      }
    } catch {
      return {};
    }
    return {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}
