/** /Users handlers: CRUD, PATCH, listing and the invitation send. */
import { randomUUID } from 'node:crypto';
import { PatchRequestSchema } from '../../scim/wire';
import { userCatalog } from './catalog';
import type { ScimContext, ScimHandler } from './context';
import { badRequest, notFound } from './errors';
import type { Reply } from './http';
import { checkIfMatch, etagMatches } from './http';
import type { Collection } from './listing';
import { listPage, listResponse } from './listing';
import { applyPatch } from './patch';
import { projector } from './projection';
import type { UserRecord } from './records';
import { etagOf } from './records';
import type { VisitorStore } from './store';
import { buildUser, renderUser, userDocument, userGetter } from './user-model';

function userCollection(store: VisitorStore): Collection<UserRecord> {
  return {
    catalog: userCatalog,
    all: () => store.orderedUsers(),
    getter: (u) => userGetter(u, store),
    indexNamer: (attr, sub) => {
      if (!sub && (attr.name === 'id' || attr.name === 'userName' || attr.name === 'externalId'))
        return attr.name;
      return attr.name === 'emails' && sub?.name === 'value' ? 'email' : undefined;
    },
    lookup: ({ index, value }) => {
      if (index === 'email') return store.usersWithEmail(value);
      const hit =
        index === 'id'
          ? store.users.get(value)
          : index === 'userName'
            ? store.userByUserName(value)
            : store.userByExternalId(value);
      return hit ? [hit] : [];
    },
    inOrder: (hits) => store.inOrder(hits),
  };
}

function existingUser(ctx: ScimContext): UserRecord {
  const user = ctx.store.user(ctx.params.id ?? '');
  if (!user) throw notFound(`User ${ctx.params.id} not found`);
  return user;
}

/** The user as the answer to a GET or a write, projected by `attributes` / `excludedAttributes`. */
function userReply(ctx: ScimContext, status: number, id: string, extra: Record<string, string> = {}): Reply {
  const user = ctx.store.user(id)!;
  return {
    status,
    body: projector(userCatalog, ctx.query)(renderUser(user, ctx.store, ctx.baseUrl)),
    headers: { etag: etagOf(user.version), ...extra },
  };
}

const create: ScimHandler = (ctx) => {
  const id = randomUUID();
  const { record, sendInvitation } = buildUser(ctx.body, {
    store: ctx.store,
    mode: 'create',
    id,
    now: ctx.now,
  });
  ctx.store.commit({ op: 'user.put', user: record });
  if (sendInvitation) {
    ctx.store.commit({ op: 'inv', send: { userId: id, userName: record.userName, sentAt: ctx.now } });
  }
  return userReply(ctx, 201, id, { location: `${ctx.baseUrl}/Users/${id}` });
};

const get: ScimHandler = (ctx) => {
  const user = existingUser(ctx);
  const ifNoneMatch = ctx.req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etagOf(user.version))) {
    return { status: 304, headers: { etag: etagOf(user.version) } };
  }
  return userReply(ctx, 200, user.id);
};

const list: ScimHandler = (ctx) => {
  const page = listPage(userCollection(ctx.store), ctx.query, ctx.maxPageSize, ctx.maxListOffset);
  const project = projector(userCatalog, ctx.query);
  return { status: 200, body: listResponse(page, (u) => project(renderUser(u, ctx.store, ctx.baseUrl))) };
};

const replace: ScimHandler = (ctx) => {
  const existing = existingUser(ctx);
  checkIfMatch(ctx.req, etagOf(existing.version));
  return storeReplacement(ctx, existing, ctx.body);
};

const patch: ScimHandler = (ctx) => {
  const existing = existingUser(ctx);
  checkIfMatch(ctx.req, etagOf(existing.version));
  const parsed = PatchRequestSchema.safeParse(ctx.body);
  if (!parsed.success)
    throw badRequest('invalidSyntax', `Not a PatchOp request: ${parsed.error.issues[0]?.message}`);
  const doc = userDocument(existing, ctx.store);
  applyPatch(userCatalog, doc, parsed.data.Operations);
  return storeReplacement(ctx, existing, doc);
};

/** PUT and PATCH end alike: the new document, validated by Visitor's rules, replaces the user. */
function storeReplacement(
  ctx: Parameters<ScimHandler>[0],
  existing: ReturnType<typeof existingUser>,
  doc: unknown,
) {
  const { record } = buildUser(doc, {
    store: ctx.store,
    mode: 'replace',
    id: existing.id,
    now: ctx.now,
    existing,
  });
  ctx.store.commit({ op: 'user.put', user: record });
  return userReply(ctx, 200, existing.id);
}

const remove: ScimHandler = (ctx) => {
  const existing = existingUser(ctx);
  checkIfMatch(ctx.req, etagOf(existing.version));
  ctx.store.commit({ op: 'user.del', id: existing.id });
  return { status: 204 };
};

/**
 * Sends the held "Join your team on Eptura Visitor" invitation. Idempotent: a second call answers
 * 200 with `alreadySent: true` and sends nothing, so an at-least-once caller gets exactly-once mail.
 */
const sendInvitation: ScimHandler = (ctx) => {
  const user = existingUser(ctx);
  if (user.invitationStatus === 'sent') {
    return {
      status: 200,
      body: {
        userId: user.id,
        userName: user.userName,
        status: 'sent',
        sentAt: user.invitationSentAt,
        alreadySent: true,
      },
    };
  }
  if (!user.active) throw badRequest('invalidValue', 'An invitation cannot be sent to an inactive user');
  ctx.store.commit({ op: 'inv', send: { userId: user.id, userName: user.userName, sentAt: ctx.now } });
  return {
    status: 200,
    body: { userId: user.id, userName: user.userName, status: 'sent', sentAt: ctx.now, alreadySent: false },
    headers: { etag: etagOf(user.version) },
  };
};

export const userRoutes: [string, string, ScimHandler][] = [
  ['GET', '/Users', list],
  ['POST', '/Users', create],
  ['GET', '/Users/{id}', get],
  ['PUT', '/Users/{id}', replace],
  ['PATCH', '/Users/{id}', patch],
  ['DELETE', '/Users/{id}', remove],
  ['POST', '/Users/{id}/invitation', sendInvitation],
];
