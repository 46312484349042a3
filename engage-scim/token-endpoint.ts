// POST …/token: Engage's token provider. Form-encoded scimClientId, scimClientSecret,
// grantType=password and optional tokenExpiry (seconds, 60 … 315,360,000).
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EngageDatabase } from '../db/engage-schema';
import { issueToken, MAX_TOKEN_EXPIRY, MIN_TOKEN_EXPIRY } from './auth/tokens';

const form = z.object({
  scimClientId: z.string().min(1).max(128),
  scimClientSecret: z.string().min(1).max(512),
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

/** Parses a form (or JSON) body; the caller has rate-limited by client id. */
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
