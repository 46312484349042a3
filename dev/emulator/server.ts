/**
 * The Eptura Visitor SCIM 2.0 emulator: a keep-alive `node:http` server under `/scim/v1`, with
 * bearer auth, a profile (`loopback`, or `realistic`: WAN latency and a per-company rate limit),
 * fault injection, request statistics, optional persistence and `/_admin`.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VISITOR_SCIM_BASE_PATH } from '../../scim/wire';
import { handleAdmin } from './admin';
import { bearerChecker, tokenResolver } from './auth';
import type { ScimHandler } from './context';
import { discoveryRoutes } from './discovery';
import { ScimHttpError } from './errors';
import type { FaultConfigInput, FaultDecision } from './faults';
import { FaultInjector } from './faults';
import type { Reply } from './http';
import { errorReply, readJsonBody, sendReply } from './http';
import { newLocationIdentity } from './location-model';
import { locationRoutes } from './locations-routes';
import { Persistence } from './persistence';
import type { ProfileInput } from './profile';
import { drawLatency, resolveProfile, SlidingWindowLimiter } from './profile';
import type { Address } from './records';
import { Router } from './router';
import { RequestStats } from './stats';
import { VisitorStore } from './store';
import { userRoutes } from './users-routes';

export interface DefaultLocationOptions {
  name: string;
  externalId?: string;
  address?: Address;
  timeZone?: string;
}

export interface VisitorEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  token: string;
  /** Snapshot path; `<dataFile>.journal` holds changes since. Without it, state is in memory only. */
  dataFile?: string;
  maxPageSize?: number;
  /** The primary location created when the store has none. Default name: "Headquarters". */
  defaultLocation?: DefaultLocationOptions;
  faults?: FaultConfigInput;
  /** Bearer token for /_admin; none by default (loopback). */
  adminToken?: string;
  /**
   * `'loopback'` (default): answers at once. `'realistic'`: every SCIM answer is delayed by a
   * latency drawn uniformly from `latencyMs` (default 100–300 ms), and each company (token) may
   * send `rateLimitPerSecond` requests (default 10; `null` = unlimited) in a sliding window,
   * beyond which it gets `429` + `Retry-After`. The object form tunes the realistic profile:
   * `{ name: 'realistic', latencyMs: { min: 50, max: 80 }, rateLimitPerSecond: 5 }`.
   */
  profile?: ProfileInput;
  /** Listings answer `400 tooMany` for a startIndex above this; no cap by default (either profile). */
  maxListOffset?: number;
  /**
   * `false`: a target that may not PATCH — PATCH answers `501` and /ServiceProviderConfig says
   * `patch.supported: false`; clients replace resources with PUT. Default `true`.
   */
  patch?: boolean;
  /**
   * Further bearer tokens, each another company with its own rate budget and stats (labelled
   * `company-2`, `company-3`, … after `token`'s `company-1`); all see the same data.
   */
  extraTokens?: string[];
}

export interface VisitorEmulator {
  /** e.g. http://127.0.0.1:8790/scim/v1 */
  baseUrl: string;
  /** e.g. http://127.0.0.1:8790/_admin */
  adminUrl: string;
  port: number;
  close(): Promise<void>;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** RFC 7644 §3.4.3 searches by POST, at the root or under a resource endpoint. */
const SEARCH_PATH = /^(\/[^/]+)?\/\.search$/;
/** The contract, served at an absolute URL so discovery's documentationUri resolves. */
const DOCUMENTATION_PATH = '/docs/visitor-scim-api.md';
const DOCUMENTATION_FILE = path.resolve(import.meta.dirname, '../../docs/visitor-scim-api.md');

function buildRouter(): Router<ScimHandler> {
  const router = new Router<ScimHandler>();
  for (const [method, template, handler] of [...discoveryRoutes, ...userRoutes, ...locationRoutes]) {
    router.add(method, template, handler);
  }
  return router;
}

/** Creates the default location if the store has none (first start, or after it was lost). */
function ensureDefaultLocation(store: VisitorStore, options: DefaultLocationOptions | undefined): void {
  if (store.defaultLocation && store.locations.has(store.defaultLocation.id)) return;
  const now = new Date().toISOString();
  store.commit({
    op: 'loc.put',
    loc: {
      ...newLocationIdentity(store),
      name: options?.name ?? 'Headquarters',
      externalId: options?.externalId,
      address: options?.address,
      timeZone: options?.timeZone,
      isDefault: true,
      created: now,
      lastModified: now,
      version: 1,
    },
  });
}

export async function startVisitorEmulator(options: VisitorEmulatorOptions): Promise<VisitorEmulator> {
  const host = options.host ?? '127.0.0.1';
  const maxPageSize = options.maxPageSize ?? 500;
  const patchSupported = options.patch ?? true;
  const store = new VisitorStore();
  const persistence = options.dataFile ? new Persistence(options.dataFile, store) : undefined;
  await persistence?.open();
  ensureDefaultLocation(store, options.defaultLocation);

  const profile = resolveProfile(options.profile);
  const maxListOffset = options.maxListOffset;
  if (maxListOffset !== undefined && !(Number.isInteger(maxListOffset) && maxListOffset >= 1)) {
    throw new Error(`maxListOffset must be a whole number ≥ 1, got ${maxListOffset}`);
  }
  const tokens = [options.token, ...(options.extraTokens ?? [])];
  if (new Set(tokens).size !== tokens.length)
    throw new Error('extraTokens must differ from token and each other');
  const companies = tokens.map((_, i) => `company-${i + 1}`);
  const limiters = companies.map(() =>
    profile.rateLimitPerSecond === undefined
      ? undefined
      : new SlidingWindowLimiter(profile.rateLimitPerSecond),
  );
  const faults = new FaultInjector(options.faults ?? {});
  const stats = new RequestStats(companies);
  const router = buildRouter();
  const companyOf = tokenResolver(tokens);
  const closed = new AbortController();
  const adminAuth = options.adminToken ? bearerChecker(options.adminToken) : undefined;
  const hung = new Set<{ timer: NodeJS.Timeout; socket: Socket }>();
  let baseUrl = '';
  let documentationUri = '';

  const reset = (keepLocations: boolean) => {
    store.commit({ op: 'reset' });
    if (!keepLocations) {
      const now = new Date().toISOString();
      for (const loc of store.orderedLocations()) {
        if (!loc.isDefault) store.commit({ op: 'loc.del', id: loc.id, at: now });
      }
    }
    ensureDefaultLocation(store, options.defaultLocation);
  };

  /** Waits until `deadline` (performance.now() ms) — never less; false when the emulator closed meanwhile. */
  async function waitUntil(deadline: number): Promise<boolean> {
    for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) {
      try {
        await sleep(Math.ceil(left), undefined, { signal: closed.signal });
      } catch {
        return false;
      }
    }
    return !closed.signal.aborted;
  }

  async function handleScim(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    // Everything that decides the answer's kind is decided now, when the request arrives; the
    // profile's latency then delays whatever the answer is (429s and errors travel the WAN too).
    const arrivedAt = performance.now();
    const method = req.method ?? 'GET';
    const search = method === 'POST' && SEARCH_PATH.test(path);
    const found = router.find(method, path);
    const template = search
      ? '/.search'
      : found.kind === 'notFound'
        ? '(unmatched)'
        : found.kind === 'match'
          ? found.match.template
          : found.template;
    res.once('finish', () => stats.record(method, template, res.statusCode));

    let early: Reply | undefined;
    let decision: FaultDecision | undefined;
    const company = companyOf(req.headers.authorization);
    const retryAfter = company === undefined ? undefined : limiters[company]?.take(arrivedAt);
    if (company === undefined) {
      early = {
        ...errorReply(401, undefined, 'Missing or invalid bearer token'),
        headers: { 'www-authenticate': 'Bearer realm="Eptura Visitor SCIM"' },
      };
    } else if (retryAfter !== undefined) {
      early = {
        ...errorReply(
          429,
          undefined,
          `Too many requests: this company may send ${profile.rateLimitPerSecond} requests per second; retry after ${retryAfter} s`,
        ),
        headers: { 'retry-after': String(retryAfter) },
      };
    } else if (search) {
      early = errorReply(501, undefined, 'POST /.search is not supported; search with GET and a filter');
    } else if (found.kind === 'match' && method === 'PATCH' && !patchSupported) {
      early = errorReply(
        501,
        undefined,
        'PATCH is not supported by this target (see /ServiceProviderConfig); replace the resource with PUT',
      );
    } else if (found.kind === 'notFound') {
      const first = path.split('/')[1] ?? '';
      const detail =
        first === 'Groups'
          ? 'Groups are not supported by Eptura Visitor; only /Users and /Locations'
          : `No resource at ${path}`;
      early = errorReply(first === 'Bulk' ? 501 : 404, undefined, detail);
    } else if (found.kind === 'methodNotAllowed') {
      const allow = found.allow.filter((m) => m !== 'PATCH' || patchSupported);
      early = {
        ...errorReply(405, undefined, `${method} is not allowed on ${template}`),
        headers: { allow: allow.join(', ') },
      };
    } else {
      // Faults are decided before the body is read or any state changes.
      decision = faults.decide(method, template, MUTATING.has(method));
      if (decision.kind === 'rateLimited') {
        early = {
          ...errorReply(429, undefined, 'Too many requests'),
          headers: { 'retry-after': String(decision.retryAfterSeconds) },
        };
      }
    }
    stats.arrival(
      company === undefined ? undefined : companies[company],
      retryAfter !== undefined || decision?.kind === 'rateLimited',
      arrivedAt,
    );

    if (profile.latencyMs && !(await waitUntil(arrivedAt + drawLatency(profile.latencyMs)))) {
      req.socket.destroy();
      return;
    }
    // Without an early answer there is a fault decision (not a 429) on a matched route; the
    // test only narrows the types.
    if (early !== undefined || !decision || decision.kind === 'rateLimited' || found.kind !== 'match') {
      return sendReply(res, early ?? errorReply(500, undefined, 'Internal emulator error'));
    }

    switch (decision.kind) {
      case 'drop':
        stats.record(method, template, 'dropped');
        req.socket.destroy();
        return;
      case 'hang': {
        stats.record(method, template, 'hung');
        const socket = req.socket;
        const entry = {
          socket,
          timer: setTimeout(() => {
            hung.delete(entry);
            socket.destroy();
          }, decision.ms),
        };
        hung.add(entry);
        socket.once('close', () => {
          clearTimeout(entry.timer);
          hung.delete(entry);
        });
        return;
      }
      case 'error':
        return sendReply(
          res,
          decision.status === 400
            ? errorReply(400, 'invalidValue', 'Injected fault: request refused')
            : errorReply(decision.status, undefined, 'Injected fault: service unavailable'),
        );
      case 'pass':
        if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    }

    const body = MUTATING.has(method) ? await readJsonBody(req) : undefined;
    const reply: Reply = await found.match.handler({
      req,
      params: found.match.params,
      query,
      body,
      store,
      baseUrl,
      maxPageSize,
      maxListOffset,
      patchSupported,
      documentationUri,
      now: new Date().toISOString(),
    });
    if (decision.errorAfterCommit !== undefined && reply.status < 300) {
      // The write is committed; the client only sees a failure (a lost response).
      return sendReply(res, errorReply(decision.errorAfterCommit, undefined, 'Injected fault after commit'));
    }
    sendReply(res, reply);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const query = new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
    try {
      if (path === VISITOR_SCIM_BASE_PATH || path.startsWith(`${VISITOR_SCIM_BASE_PATH}/`)) {
        await handleScim(req, res, path.slice(VISITOR_SCIM_BASE_PATH.length) || '/', query);
      } else if (path === DOCUMENTATION_PATH && req.method === 'GET') {
        // A copy of the emulator without the docs (an image that left them out) answers 404, not 500.
        const text = await readFile(DOCUMENTATION_FILE).catch(() => undefined);
        if (text === undefined)
          sendReply(res, errorReply(404, undefined, 'The contract is not installed here'));
        else {
          res.writeHead(200, {
            'content-type': 'text/markdown; charset=utf-8',
            'content-length': text.length,
          });
          res.end(text);
        }
      } else if (path === '/_admin' || path.startsWith('/_admin/')) {
        if (adminAuth && !adminAuth(req.headers.authorization)) {
          sendReply(res, { status: 401, body: { error: 'Missing or invalid admin token' } });
        } else {
          await handleAdmin(req, res, path, query, {
            store,
            faults,
            stats,
            baseUrl,
            reset,
            profile: { ...profile, maxListOffset, companies },
          });
        }
      } else {
        sendReply(
          res,
          errorReply(
            404,
            undefined,
            `No resource at ${path}; the SCIM base path is ${VISITOR_SCIM_BASE_PATH}`,
          ),
        );
      }
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof ScimHttpError) {
        sendReply(res, errorReply(error.status, error.scimType, error.message));
      } else {
        console.error('visitor emulator: unexpected error', error);
        sendReply(res, errorReply(500, undefined, 'Internal emulator error'));
      }
    }
  }

  const server = createServer({ keepAlive: true }, (req, res) => void handle(req, res));
  // Longer than clients' idle timeouts, so a reused keep-alive socket is never closed under them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  baseUrl = `${origin}${VISITOR_SCIM_BASE_PATH}`;
  documentationUri = `${origin}${DOCUMENTATION_PATH}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      closed.abort();
      for (const entry of hung) {
        clearTimeout(entry.timer);
        entry.socket.destroy();
      }
      hung.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => persistence?.close());
    return closing;
  };

  return { baseUrl, adminUrl: `${origin}/_admin`, port, close };
}
