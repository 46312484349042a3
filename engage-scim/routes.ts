// Routes a SCIM request below the base path to its handler.
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import { requireScope } from './auth/scopes';
import { handleBulk } from './bulk';
import { ALL_SCHEMAS, RESOURCES, resourceType, schemaResource, serviceProviderConfig } from './discovery';
import { badRequest, notFound, ScimError } from './errors';
import { handleGroups } from './groups/routes';
import { listResponseBody } from './representation';
import type { ScimContext, ScimRequest, ScimResponse } from './request';
import { handleUsers } from './users/routes';

export async function dispatch(
  db: Kysely<EngageDatabase>,
  ctx: ScimContext,
  req: ScimRequest,
  allowBulk = true,
): Promise<ScimResponse> {
  const parts = req.path.split('/').filter(Boolean).map(decodeSegment);
  if (parts.length > 2) throw notFound(`resource ${req.path}`);
  const [collection = '', id] = parts;
  const readOnly = () => {
    if (req.method !== 'GET') throw new ScimError(405, `${req.method} is not allowed on ${collection}`);
  };
  switch (collection.toLowerCase()) {
    case 'users':
      return handleUsers(db, ctx, req, id);
    case 'groups':
      return handleGroups(db, ctx, req, id);
    case 'bulk':
      if (!allowBulk || id !== undefined) throw notFound(`resource ${req.path}`);
      if (req.method !== 'POST') throw new ScimError(405, 'use POST for /Bulk');
      // Each operation is checked against the client's scopes as a single request would be.
      return handleBulk(req, (r) => dispatch(db, ctx, r, false), ctx.log);
    case '.search':
      // RFC 7644 §3.4.3 allows a search across resource types at the root; 501 says it is not served.
      if (id !== undefined) throw notFound(`resource ${req.path}`);
      if (req.method !== 'POST') throw new ScimError(405, 'use POST for /.search');
      requireScope(ctx.scopes, 'read', 'searching');
      throw new ScimError(
        501,
        'searching several resource types at once is not implemented: use /Users/.search or /Groups/.search',
      );
    case 'serviceproviderconfig':
      readOnly();
      if (id !== undefined) throw notFound(`resource ${req.path}`);
      return { status: 200, body: serviceProviderConfig(ctx.baseUrl, ctx.maxResults, ctx.maxBodyBytes) };
    case 'schemas': {
      readOnly();
      const all = ALL_SCHEMAS.map((s) => schemaResource(s, ctx.baseUrl));
      if (id === undefined) return { status: 200, body: listResponseBody(all) };
      const s = all.find((x) => String(x.id).toLowerCase() === id.toLowerCase());
      if (!s) throw notFound(`Schema ${id}`);
      return { status: 200, body: s };
    }
    case 'resourcetypes': {
      readOnly();
      const all = RESOURCES.map((r) => resourceType(r, ctx.baseUrl));
      if (id === undefined) return { status: 200, body: listResponseBody(all) };
      const r = all.find((x) => String(x.id).toLowerCase() === id.toLowerCase());
      if (!r) throw notFound(`ResourceType ${id}`);
      return { status: 200, body: r };
    }
    default:
      throw notFound(`resource ${req.path}`);
  }
}

/** A path segment with its %-escapes decoded; a malformed escape (%zz, a cut UTF-8 sequence) is a 400. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('the path has a malformed %-escape', 'invalidValue');
  }
}
