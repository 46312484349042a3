/**
 * /_admin: state export (streamed, so it works at 100k users), reset, fault config and request
 * statistics. Never subject to fault injection; optional bearer token of its own.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from './faults';
import { FaultConfigSchema } from './faults';
import type { Reply } from './http';
import { readJsonBody, sendReply } from './http';
import { renderLocation } from './location-model';
import type { ResolvedProfile } from './profile';
import { SlidingWindowLimiter } from './profile';
import type { UserRecord } from './records';
import { ACCESS_ADMIN, ACCESS_REGULAR, etagOf } from './records';
import type { RequestStats } from './stats';
import type { VisitorStore } from './store';
import { renderUser } from './user-model';

export interface AdminDeps {
  store: VisitorStore;
  faults: FaultInjector;
  stats: RequestStats;
  baseUrl: string;
  /** Clears users and invitations; drops non-default locations unless asked to keep them. */
  reset(keepLocations: boolean): void;
  profile: ResolvedProfile & { maxListOffset: number | undefined; companies: string[] };
}

/** The profile as /_admin/stats shows it (`null` = off). */
function describeProfile(p: AdminDeps['profile']) {
  const limiter =
    p.rateLimitPerSecond === undefined ? undefined : new SlidingWindowLimiter(p.rateLimitPerSecond);
  return {
    name: p.name,
    latencyMs: p.latencyMs ?? null,
    rateLimitPerSecond: p.rateLimitPerSecond ?? null,
    rateLimitWindow: limiter ? { ms: Math.round(limiter.windowMs), requests: limiter.capacity } : null,
    maxListOffset: p.maxListOffset ?? null,
    companies: p.companies,
  };
}

const json = (status: number, body: unknown): Reply => ({
  status,
  body,
  headers: { 'content-type': 'application/json; charset=utf-8' },
});

/** One character per live location (in `locations` order): '-' none, 'r' regular, 'a' admin. */
function accessString(user: UserRecord, ordinals: number[]): string {
  let out = '';
  for (const o of ordinals) {
    const b = user.access[o] ?? 0;
    out += b === ACCESS_ADMIN ? 'a' : b === ACCESS_REGULAR ? 'r' : '-';
  }
  return out;
}

function compactUser(user: UserRecord, store: VisitorStore, ordinals: number[]) {
  return {
    id: user.id,
    externalId: user.externalId,
    userName: user.userName,
    name: { givenName: user.givenName, familyName: user.familyName, formatted: user.formatted },
    emails: user.emails,
    phoneNumbers: user.phoneNumbers,
    title: user.title,
    preferredLanguage: user.preferredLanguage,
    active: user.active,
    defaultLocationId: store.locationAt(user.defaultLocation)?.id,
    access: accessString(user, ordinals),
    sso: user.sso,
    invitation: { status: user.invitationStatus, sentAt: user.invitationSentAt },
    meta: { created: user.created, lastModified: user.lastModified, version: etagOf(user.version) },
  };
}

async function streamState(res: ServerResponse, deps: AdminDeps, compact: boolean): Promise<void> {
  const { store } = deps;
  const write = async (text: string) => {
    if (!res.write(text) && !res.destroyed) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  const locations = store.orderedLocations();
  const ordinals = locations.map((l) => l.ordinal);
  const users = [...store.orderedUsers()];
  const invitations = [...store.invitations];
  await write(`{"format":"${compact ? 'compact' : 'scim'}","locations":`);
  await write(JSON.stringify(locations.map((l) => renderLocation(l, deps.baseUrl))));
  await write(',"users":[');
  const batch = 200;
  for (let i = 0; i < users.length && !res.destroyed; i += batch) {
    const parts = users
      .slice(i, i + batch)
      .map((u) =>
        JSON.stringify(compact ? compactUser(u, store, ordinals) : renderUser(u, store, deps.baseUrl)),
      );
    await write((i === 0 ? '' : ',') + parts.join(','));
  }
  await write(`],"invitations":${JSON.stringify(invitations)}}`);
  res.end();
}

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  deps: AdminDeps,
): Promise<void> {
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /_admin/state':
      return streamState(res, deps, query.get('format') === 'compact');
    case 'POST /_admin/reset':
      deps.reset(query.get('keepLocations') === 'true');
      return sendReply(res, json(200, { reset: true, defaultLocationId: deps.store.defaultLocation?.id }));
    case 'GET /_admin/faults':
      return sendReply(res, json(200, deps.faults.config));
    case 'PUT /_admin/faults': {
      const parsed = FaultConfigSchema.safeParse((await readJsonBody(req)) ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return sendReply(res, json(400, { error: `${issue?.path.join('.') || 'body'}: ${issue?.message}` }));
      }
      deps.faults.configure(parsed.data);
      return sendReply(res, json(200, deps.faults.config));
    }
    case 'GET /_admin/stats': {
      const memory = process.memoryUsage();
      return sendReply(
        res,
        json(200, {
          ...deps.stats.toJSON(),
          profile: describeProfile(deps.profile),
          store: { users: deps.store.users.size, locations: deps.store.locations.size },
          memory: {
            rssMb: Math.round(memory.rss / 2 ** 20),
            heapUsedMb: Math.round(memory.heapUsed / 2 ** 20),
          },
        }),
      );
    }
    case 'POST /_admin/stats/reset':
      deps.stats.reset();
      return sendReply(res, json(200, deps.stats.toJSON()));
    default:
      return sendReply(res, json(404, { error: `No admin route ${route}` }));
  }
}
