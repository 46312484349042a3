/** zod checks at the client's edges: bodies before sending, answers after receiving. */
import type { z } from 'zod';
import { VisitorInvalidRequestError, VisitorProtocolError } from './errors';

interface Where {
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
