/** zod checks at the client's edges: bodies before sending, answers after receiving. */
import type { z } from 'zod';
import { VisitorInvalidRequestError, VisitorProtocolError } from './errors';

export interface Where {
  method: string;
  route: string;
}

/** "name.givenName: Too small…; emails.0.value: …" — paths and messages only, never the values. */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}

/** A body our own schema refuses would be a 400 from Visitor: fail the same way without the call. */
export function validateRequest<S extends z.ZodType>(schema: S, body: unknown, where: Where): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new VisitorInvalidRequestError({
    ...where,
    scimType: 'invalidValue',
    detail: describe(parsed.error),
  });
}

export function parseResponse<S extends z.ZodType>(
  schema: S,
  body: unknown,
  where: Where & { status: number },
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new VisitorProtocolError({
    ...where,
    detail: `unexpected response body: ${describe(parsed.error)}`,
  });
}

/**
 * Big lists that many request bodies share — the 500-entry `locationAccess` of every user with the
 * same role — are checked and serialised once per list instead of once per body. Only frozen arrays
 * are remembered: a
 * frozen list cannot change after it was checked. Keyed weakly, so lists die with their users.
 */
const sharedListJson = new WeakMap<readonly unknown[], Buffer>();

/** The list's JSON as UTF-8 bytes, checked once; undefined for a list that is not frozen. */
export function checkedListJson<S extends z.ZodType>(
  schema: S,
  list: readonly unknown[],
  where: Where,
): Buffer | undefined {
  if (!Object.isFrozen(list)) return undefined;
  let json = sharedListJson.get(list);
  if (json === undefined) {
    // Entries must be frozen too, or the cached bytes could go stale.
    if (!list.every((entry) => typeof entry !== 'object' || entry === null || Object.isFrozen(entry)))
      return undefined;
    validateRequest(schema, list, where);
    json = Buffer.from(JSON.stringify(list), 'utf8');
    sharedListJson.set(list, json);
  }
  return json;
}
