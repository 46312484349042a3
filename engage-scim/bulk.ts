// POST /Bulk (RFC 7644 §3.7): operations run in order, each in its own transaction, through the same
// handlers as single requests. "bulkId:x" in a path or data is replaced by the id created for x.
// Every operation that ran gets its own status: earlier ones are committed, so an unexpected error
// in one is that operation's 500, never the request's (the client must learn the ids it created).
import { z } from 'zod';
import { badRequest, errorBody, ScimError } from './errors';
import type { ScimRequest, ScimResponse } from './request';
import type { Obj } from './resource-json';
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA } from './schemas';

export const MAX_BULK_OPERATIONS = 1000;

const bulkBody = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes(BULK_REQUEST_SCHEMA), {
    message: `schemas must contain ${BULK_REQUEST_SCHEMA}`,
  }),
  failOnErrors: z.number().int().min(1).optional(),
  Operations: z
    .array(
      z.object({
        method: z
          .string()
          .transform((m) => m.toUpperCase())
          .pipe(z.enum(['POST', 'PUT', 'PATCH', 'DELETE'])),
        bulkId: z.string().max(256).optional(),
        version: z.string().max(256).optional(),
        path: z.string().min(1).max(2048),
        data: z.unknown().optional(),
      }),
    )
    .max(MAX_BULK_OPERATIONS),
});

const BULK_REF = /bulkId:([A-Za-z0-9._~-]+)/g;

class UnresolvedBulkId extends Error {}

function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(BULK_REF, (_, ref: string) => {
      const id = ids.get(ref);
      if (id === undefined) throw new UnresolvedBulkId(ref);
      return id;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  }
  return value;
}

export async function handleBulk(
  req: ScimRequest,
  /** Runs one operation (the router, with /Bulk itself excluded). */
  run: (req: ScimRequest) => Promise<ScimResponse>,
  log: (message: string, err?: unknown) => void,
): Promise<ScimResponse> {
  const parsed = bulkBody.safeParse(req.body);
  if (!parsed.success) {
    const tooMany = parsed.error.issues.some((i) => i.code === 'too_big');
    if (tooMany) throw new ScimError(413, `at most ${MAX_BULK_OPERATIONS} operations per request`);
    throw badRequest(`invalid BulkRequest: ${parsed.error.issues[0]?.message}`, 'invalidSyntax');
  }
  const { Operations, failOnErrors } = parsed.data;
  const ids = new Map<string, string>();
  const results: Obj[] = [];
  let errors = 0;
  for (const op of Operations) {
    if (failOnErrors !== undefined && errors >= failOnErrors) break;
    if (op.method === 'POST' && !op.bulkId) {
      errors++;
      results.push(failure(op, 400, 'POST operations need a bulkId', 'invalidValue'));
      continue;
    }
    let res: ScimResponse;
    try {
      const path = substitute(op.path, ids) as string;
      const [pathname, query = ''] = path.split('?');
      res = await run({
        method: op.method,
        path: pathname!,
        query: new URLSearchParams(query),
        body: substitute(op.data, ids),
        ...(op.version ? { ifMatch: op.version } : {}),
      });
    } catch (err) {
      errors++;
      if (err instanceof UnresolvedBulkId) {
        results.push(failure(op, 409, `bulkId ${err.message} is not (yet) resolved`, 'invalidValue'));
      } else if (err instanceof ScimError) {
        results.push(failure(op, err.status, err.message, err.scimType));
      } else {
        log(`bulk operation ${op.method} ${op.path} failed`, err);
        results.push(failure(op, 500, 'internal server error'));
      }
      continue;
    }
    if (res.status >= 400) {
      errors++;
      results.push({ ...failure(op, res.status, ''), response: res.body });
      continue;
    }
    const resource = res.body;
    const id = typeof resource?.id === 'string' ? resource.id : undefined;
    if (op.bulkId && id) ids.set(op.bulkId, id);
    const meta = resource?.meta as Obj | undefined;
    results.push({
      method: op.method,
      ...(op.bulkId ? { bulkId: op.bulkId } : {}),
      ...(meta?.location ? { location: meta.location } : {}),
      ...(meta?.version ? { version: meta.version } : {}),
      status: String(res.status),
    });
  }
  return { status: 200, body: { schemas: [BULK_RESPONSE_SCHEMA], Operations: results } };
}

function failure(
  op: { method: string; bulkId?: string },
  status: number,
  detail: string,
  scimType?: Parameters<typeof errorBody>[2],
): Obj {
  return {
    method: op.method,
    ...(op.bulkId ? { bulkId: op.bulkId } : {}),
    status: String(status),
    response: errorBody(status, detail, scimType),
  };
}
