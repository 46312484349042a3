// /Users: create, get, list (GET and POST /.search), PUT, PATCH, DELETE.
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { answerFor, requireScope, requireUserTypeScope, requireUserWriteScope } from '../auth/scopes';
import { badRequest, notFound, ScimError } from '../errors';
import { type ListParams, parseListParams } from '../list-params';
import { applyPatch, parsePatch } from '../patch';
import { ifMatchSatisfied, listResponseBody, project, versionOf, withMeta } from '../representation';
import type { ScimContext, ScimRequest, ScimResponse } from '../request';
import { isObj, type Obj } from '../resource-json';
import { userResource } from '../schemas';
import { renderUser, type UserRow, userStateFromBody, userStateFromRow } from './model';
import { assertNothingRequiredRemoved } from './patch-rules';
import { createUser, deleteUser, getUser, listUsers, updateUser } from './store';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const bare = (row: UserRow) => renderUser(row.id, userStateFromRow(row));

export const renderUserRow = (row: UserRow, ctx: ScimContext) =>
  withMeta(bare(row), {
    resourceType: 'User',
    created: row.created_at,
    lastModified: row.updated_at,
    location: `${ctx.baseUrl}/Users/${row.id}`,
  });

function checkIfMatch(req: ScimRequest, row: UserRow) {
  if (!ifMatchSatisfied(req.ifMatch, versionOf(bare(row)))) {
    throw new ScimError(412, 'the resource has changed (If-Match does not match its version)');
  }
}

function one(req: ScimRequest, ctx: ScimContext, row: UserRow, status = 200): ScimResponse {
  const r = renderUserRow(row, ctx);
  const version = (r.meta as Obj).version as string;
  return {
    status,
    body: answerFor(
      ctx.scopes,
      project(r, userResource, attrs(req, 'attributes'), attrs(req, 'excludedAttributes')),
    ),
    headers: { ETag: version, ...(status === 201 ? { Location: `${ctx.baseUrl}/Users/${row.id}` } : {}) },
  };
}

const attrs = (req: ScimRequest, name: string) =>
  (req.query.get(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const objectBody = (req: ScimRequest): Obj => {
  if (!isObj(req.body)) throw badRequest('expected a JSON object', 'invalidSyntax');
  return req.body;
};

export async function listResponse(
  db: Kysely<EngageDatabase>,
  ctx: ScimContext,
  p: ListParams,
): Promise<ScimResponse> {
  const { total, rows } = await listUsers(db, p);
  return {
    status: 200,
    body: listResponseBody(
      rows.map((row) => project(renderUserRow(row, ctx), userResource, p.attributes, p.excludedAttributes)),
      total,
      p.startIndex,
    ),
  };
}

export async function handleUsers(
  db: Kysely<EngageDatabase>,
  ctx: ScimContext,
  req: ScimRequest,
  id: string | undefined,
): Promise<ScimResponse> {
  if (req.method === 'GET' || (id === '.search' && req.method === 'POST')) {
    requireScope(ctx.scopes, 'read', 'reading users');
  } else if (WRITES.has(req.method)) {
    requireScope(ctx.scopes, 'users', `${req.method} of a user`);
  }
  if (id === undefined) {
    if (req.method === 'GET') {
      return listResponse(
        db,
        ctx,
        parseListParams((n) => req.query.get(n) ?? undefined, ctx.maxResults),
      );
    }
    if (req.method === 'POST') {
      const state = userStateFromBody(objectBody(req));
      requireUserTypeScope(ctx.scopes, undefined, state.user_type);
      const row = await createUser(db, state);
      return one(req, ctx, row, 201);
    }
    throw new ScimError(405, `${req.method} is not allowed on /Users`);
  }
  if (id === '.search' && req.method === 'POST') {
    const b = objectBody(req);
    const get = (n: string) => {
      const v = Object.entries(b).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1];
      return v === undefined || v === null ? undefined : Array.isArray(v) ? v.join(',') : String(v);
    };
    return listResponse(db, ctx, parseListParams(get, ctx.maxResults));
  }
  switch (req.method) {
    case 'GET': {
      const row = await getUser(db, id);
      if (!row) throw notFound(`User ${id}`);
      const res = one(req, ctx, row);
      if (req.ifNoneMatch && ifMatchSatisfied(req.ifNoneMatch, res.headers!.ETag!)) {
        return { status: 304, headers: res.headers };
      }
      return res;
    }
    case 'PUT': {
      const body = objectBody(req);
      const row = await updateUser(db, id, (current) => {
        checkIfMatch(req, current);
        const next = userStateFromBody(body, userStateFromRow(current));
        requireUserWriteScope(ctx.scopes, userStateFromRow(current), next);
        return next;
      });
      return one(req, ctx, row);
    }
    case 'PATCH': {
      const ops = parsePatch(req.body);
      const row = await updateUser(db, id, (current) => {
        checkIfMatch(req, current);
        const before = bare(current);
        const patched = applyPatch(before, userResource, ops);
        assertNothingRequiredRemoved(before, patched);
        const next = userStateFromBody(patched, userStateFromRow(current));
        requireUserWriteScope(ctx.scopes, userStateFromRow(current), next);
        return next;
      });
      return one(req, ctx, row);
    }
    case 'DELETE':
      await deleteUser(db, id, (current) => checkIfMatch(req, current));
      return { status: 204 };
    default:
      throw new ScimError(405, `${req.method} is not allowed on /Users/{id}`);
  }
}
