// /Groups: create, get, list, PUT, PATCH (members add/remove/replace), DELETE.
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { answerFor, requireScope } from '../auth/scopes';
import { badRequest, notFound, ScimError } from '../errors';
import { type ListParams, parseListParams } from '../list-params';
import { applyPatch, parsePatch } from '../patch';
import { ifMatchSatisfied, listResponseBody, project, versionOf, withMeta } from '../representation';
import type { ScimContext, ScimRequest, ScimResponse } from '../request';
import { isObj, type Obj } from '../resource-json';
import { groupResource } from '../schemas';
import { type GroupView, groupStateFromBody, groupStateFromView, renderGroup } from './model';
import { createGroup, deleteGroup, getGroup, listGroups, updateGroup } from './store';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const render = (g: GroupView, ctx: ScimContext) =>
  withMeta(renderGroup(g, ctx.baseUrl), {
    resourceType: 'Group',
    created: g.created_at,
    lastModified: g.updated_at,
    location: `${ctx.baseUrl}/Groups/${g.id}`,
  });

const attrs = (req: ScimRequest, name: string) =>
  (req.query.get(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function one(req: ScimRequest, ctx: ScimContext, g: GroupView, status = 200): ScimResponse {
  const r = render(g, ctx);
  return {
    status,
    body: answerFor(
      ctx.scopes,
      project(r, groupResource, attrs(req, 'attributes'), attrs(req, 'excludedAttributes')),
    ),
    headers: {
      ETag: (r.meta as Obj).version as string,
      ...(status === 201 ? { Location: `${ctx.baseUrl}/Groups/${g.id}` } : {}),
    },
  };
}

function checkIfMatch(req: ScimRequest, g: GroupView, ctx: ScimContext) {
  if (!ifMatchSatisfied(req.ifMatch, versionOf(renderGroup(g, ctx.baseUrl)))) {
    throw new ScimError(412, 'the resource has changed (If-Match does not match its version)');
  }
}

const objectBody = (req: ScimRequest): Obj => {
  if (!isObj(req.body)) throw badRequest('expected a JSON object', 'invalidSyntax');
  return req.body;
};

/** Members are loaded only when the response will show them (Entra lists with excludedAttributes=members). */
const wantsMembers = (p: ListParams) =>
  !p.excludedAttributes.some((a) => a.toLowerCase() === 'members') &&
  (p.attributes.length === 0 || p.attributes.some((a) => a.toLowerCase().startsWith('members')));

async function list(db: Kysely<EngageDatabase>, ctx: ScimContext, p: ListParams): Promise<ScimResponse> {
  const { total, groups } = await listGroups(db, p, wantsMembers(p));
  return {
    status: 200,
    body: listResponseBody(
      groups.map((g) => project(render(g, ctx), groupResource, p.attributes, p.excludedAttributes)),
      total,
      p.startIndex,
    ),
  };
}

export async function handleGroups(
  db: Kysely<EngageDatabase>,
  ctx: ScimContext,
  req: ScimRequest,
  id: string | undefined,
): Promise<ScimResponse> {
  if (req.method === 'GET' || (id === '.search' && req.method === 'POST')) {
    requireScope(ctx.scopes, 'read', 'reading groups');
  } else if (WRITES.has(req.method)) {
    requireScope(ctx.scopes, 'groups', `${req.method} of a group`);
  }
  if (id === undefined) {
    if (req.method === 'GET')
      return list(
        db,
        ctx,
        parseListParams((n) => req.query.get(n) ?? undefined, ctx.maxResults),
      );
    if (req.method === 'POST')
      return one(req, ctx, await createGroup(db, groupStateFromBody(objectBody(req))), 201);
    throw new ScimError(405, `${req.method} is not allowed on /Groups`);
  }
  if (id === '.search' && req.method === 'POST') {
    const b = objectBody(req);
    const get = (n: string) => {
      const v = Object.entries(b).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1];
      return v === undefined || v === null ? undefined : Array.isArray(v) ? v.join(',') : String(v);
    };
    return list(db, ctx, parseListParams(get, ctx.maxResults));
  }
  switch (req.method) {
    case 'GET': {
      const g = await getGroup(db, id);
      if (!g) throw notFound(`Group ${id}`);
      return one(req, ctx, g);
    }
    case 'PUT': {
      const body = objectBody(req);
      const g = await updateGroup(db, id, (current) => {
        checkIfMatch(req, current, ctx);
        return groupStateFromBody(body, groupStateFromView(current));
      });
      return one(req, ctx, g);
    }
    case 'PATCH': {
      const ops = parsePatch(req.body);
      const g = await updateGroup(db, id, (current) => {
        checkIfMatch(req, current, ctx);
        const patched = applyPatch(renderGroup(current, ctx.baseUrl), groupResource, ops);
        // The patched body is complete: no fallback, so a removed externalId stays removed.
        return groupStateFromBody(patched);
      });
      return one(req, ctx, g);
    }
    case 'DELETE':
      await deleteGroup(db, id, (current) => checkIfMatch(req, current, ctx));
      return { status: 204 };
    default:
      throw new ScimError(405, `${req.method} is not allowed on /Groups/{id}`);
  }
}
