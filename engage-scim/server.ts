// The Engage SCIM 2.0 server: plain node:http with keep-alive. Bearer auth and scopes, per-client
// rate limit, body limit and checks, SCIM error mapping; the token provider at …/token, limited by
// caller first. No SQL or stack trace ever reaches a response: unexpected errors are logged here and
// answered with a generic 500. URLs it returns come from configuration, never from the request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import { callerKey, trustedProxies } from './auth/caller';
import { ProvenCallers } from './auth/proven-callers';
import { type RateLimit, TokenBuckets } from './auth/rate-limit';
import { authenticate } from './auth/tokens';
import { errorBody, ScimError } from './errors';
import { BodyTooLarge, readBody } from './http-body';
import { assertStorableJson } from './json-guard';
import { EngageScimMetrics, serveOps } from './ops-endpoints';
import type { ScimContext } from './request';
import { dispatch } from './routes';
import { parseTokenFields, tokenRequest } from './token-endpoint';

export const BASE_PATH = '/scim/api/V1';
const TOKEN_PATHS = new Set(['/scim/api/v1/token', '/api/v1/token']);

/** A tenant's Engage database as the server uses it: its SCIM clients, tokens, users and outbox. */
export interface TenantScimSource {
  db: Kysely<EngageDatabase>;
  /** Told after each of the tenant's writes. */
  publisher?: { wake(): void };
}

/** `/t/<tenant>/…`: a tenant's own base URL (…/t/<tenant>/scim/api/V1). */
const TENANT_PATH = /^\/t\/([a-z0-9][a-z0-9-]{0,38}[a-z0-9])(\/.*)?$/;

export interface EngageScimServerOptions {
  /** The configured company's Engage database (served at /scim/api/V1). */
  db: Kysely<EngageDatabase>;
  /**
   * The registry's tenants, served at /t/<tenant>/scim/api/V1: undefined for a tenant that is not
   * served (unknown, paused, offboarded), which answers 404. A tenant's clients and tokens live in its
   * own Engage database, so a token is valid on its tenant's URL only.
   */
  tenants?: (tenantId: string) => Promise<TenantScimSource | undefined>;
  port?: number;
  host?: string;
  /** Told after every write, so it publishes at once instead of at its next poll. */
  publisher?: { wake(): void };
  /** Per SCIM client; false disables it. Default 50/s, burst 200. */
  rateLimit?: RateLimit | false;
  /**
   * The token endpoint's limit, applied per caller (before the body is read or a secret hashed) and
   * per client id sent; false disables it. Default 1/s, burst 10.
   */
  tokenRateLimit?: RateLimit | false;
  /** Proxies (addresses or subnets) whose X-Forwarded-For names the caller; default none. */
  trustedProxies?: string[];
  maxBodyBytes?: number;
  maxResults?: number;
  /** Lifetime of a token when the request names none, seconds. */
  defaultTokenExpiry?: number;
  /** Public base URL (…/scim/api/V1) for meta.location; default the listening address. */
  publicUrl?: string;
  log?: (message: string, err?: unknown) => void;
  /** Its request metrics, served at /metrics (a new set when not given). */
  metrics?: EngageScimMetrics;
}

/** …/scim/api/V1 → …/t/<tenant>/scim/api/V1 (a public URL not ending so gets the tenant appended). */
function tenantBaseUrl(base: string, scope: string): string {
  return base.endsWith(BASE_PATH)
    ? `${base.slice(0, -BASE_PATH.length)}${scope}${BASE_PATH}`
    : `${base}${scope}`;
}

export interface EngageScimServer {
  /** Where the server listens (…/scim/api/V1). */
  baseUrl: string;
  /** What resources' meta.location and $ref start with: publicUrl, else baseUrl. */
  publicBaseUrl: string;
  port: number;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const DEFAULT_TOKEN_RATE_LIMIT: RateLimit = { perSecond: 1, burst: 10 };

export async function startEngageScimServer(opts: EngageScimServerOptions): Promise<EngageScimServer> {
  const { db } = opts;
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;
  const maxResults = opts.maxResults ?? 200;
  const defaultExpiry = opts.defaultTokenExpiry ?? 3600;
  const log = opts.log ?? ((m: string, e?: unknown) => console.error(`[engage-scim] ${m}`, e ?? ''));
  const buckets =
    opts.rateLimit === false ? undefined : new TokenBuckets(opts.rateLimit ?? { perSecond: 50, burst: 200 });
  const tokenLimit =
    opts.tokenRateLimit === false ? undefined : (opts.tokenRateLimit ?? DEFAULT_TOKEN_RATE_LIMIT);
  const tokenByCaller = tokenLimit && new TokenBuckets(tokenLimit);
  const tokenByClient = tokenLimit && new TokenBuckets(tokenLimit);
  const provenCallers = new ProvenCallers();
  const proxies = trustedProxies(opts.trustedProxies ?? []);
  const metrics = opts.metrics ?? new EngageScimMetrics();
  // Set once listening, before any request can arrive.
  let publicBaseUrl = '';

  const send = (res: ServerResponse, status: number, body?: object, headers: Record<string, string> = {}) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    res.writeHead(status, {
      ...(payload !== undefined ? { 'Content-Type': 'application/scim+json; charset=utf-8' } : {}),
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(payload);
  };
  const fail = (res: ServerResponse, err: ScimError) =>
    send(res, err.status, errorBody(err.status, err.message, err.scimType), err.headers);

  /** The body, or undefined when it was too large and the 413 has been sent. */
  async function body(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    try {
      return await readBody(req, maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      res.setHeader('Connection', 'close');
      fail(res, new ScimError(413, `request body exceeds ${maxBodyBytes} bytes`));
      return undefined;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    if (!url) return fail(res, new ScimError(400, 'the request target is not a URL', 'invalidSyntax'));
    const method = (req.method ?? 'GET').toUpperCase();
    if (await serveOps(url.pathname, method, res, { db, metrics, log })) return;
    // A tenant's requests: its database, its base URL, its clients' buckets.
    const tenantMatch = TENANT_PATH.exec(url.pathname);
    const tenantId = tenantMatch?.[1];
    const scope = tenantId ? `/t/${tenantId}` : '';
    const pathname = tenantMatch ? (tenantMatch[2] ?? '/') : url.pathname;
    const lowerPath = pathname.toLowerCase().replace(/\/+$/, '');
    const resolve = async (): Promise<TenantScimSource | undefined> => {
      if (!tenantId) return { db, ...(opts.publisher ? { publisher: opts.publisher } : {}) };
      try {
        const found = opts.tenants ? await opts.tenants(tenantId) : undefined;
        if (!found) fail(res, new ScimError(404, 'not found'));
        return found;
      } catch (err) {
        log(`tenant ${tenantId} cannot be served now: ${(err as Error).message}`);
        fail(
          res,
          new ScimError(503, 'this tenant is unavailable now; try again later', undefined, {
            'Retry-After': '30',
          }),
        );
        return undefined;
      }
    };

    if (TOKEN_PATHS.has(lowerPath)) return handleToken(req, res, method, resolve, scope);

    const source = await resolve();
    if (!source) return;
    const raw = await body(req, res);
    if (raw === undefined) return;
    if (lowerPath !== BASE_PATH.toLowerCase() && !lowerPath.startsWith(`${BASE_PATH.toLowerCase()}/`)) {
      return fail(res, new ScimError(404, 'not found'));
    }
    const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const principal = auth ? await authenticate(source.db, auth[1]!) : undefined;
    if (!principal) {
      return fail(
        res,
        new ScimError(401, 'a valid bearer token is required', undefined, {
          'WWW-Authenticate': 'Bearer realm="engage-scim"',
        }),
      );
    }
    const retry = buckets?.take(`${scope}:${principal.clientId}`) ?? 0;
    if (retry > 0) return tooMany(res, retry);

    let parsed: unknown;
    if (raw.length > 0) {
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return fail(res, new ScimError(400, 'the body is not valid JSON', 'invalidSyntax'));
      }
      assertStorableJson(parsed);
    }
    const ctx: ScimContext = {
      // A tenant's resources live under its own base URL.
      baseUrl: scope ? tenantBaseUrl(publicBaseUrl, scope) : publicBaseUrl,
      maxResults,
      maxBodyBytes,
      scopes: principal.scopes,
      log,
    };
    const r = await dispatch(source.db, ctx, {
      method,
      path: pathname.slice(BASE_PATH.length),
      query: url.searchParams,
      body: parsed,
      ifMatch: header(req, 'if-match'),
      ifNoneMatch: header(req, 'if-none-match'),
    });
    if (WRITE_METHODS.has(method) && r.status < 400) source.publisher?.wake();
    send(res, r.status, r.body, r.headers);
  }

  async function handleToken(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    resolve: () => Promise<TenantScimSource | undefined>,
    scope: string,
  ) {
    if (method !== 'POST') return fail(res, new ScimError(405, 'use POST'));
    // The caller first, before the body is read or a secret hashed: a flood of made-up client ids
    // from one caller costs it a 429 each, and never the scrypt a real client is waiting behind.
    const caller = callerKey(req, proxies);
    const wait = tokenByCaller?.take(caller) ?? 0;
    if (wait > 0) return tooMany(res, wait);
    const raw = await body(req, res);
    if (raw === undefined) return;
    const fields = parseTokenFields(raw, req.headers['content-type']);
    // Client ids are a tenant's: another tenant's client with the same id has its own bucket.
    const clientId = `${scope}:${fields.scimClientId ?? ''}`;
    // A caller that proved this client's secret lately is not held to the client's own limit.
    if (!provenCallers.has(clientId, caller)) {
      const waitClient = tokenByClient?.take(clientId) ?? 0;
      if (waitClient > 0) return tooMany(res, waitClient);
    }
    const source = await resolve();
    if (!source) return;
    const r = await tokenRequest(source.db, fields, defaultExpiry);
    if (r.status === 200) provenCallers.prove(clientId, caller);
    return send(res, r.status, r.body, { 'Content-Type': 'application/json; charset=utf-8' });
  }

  function tooMany(res: ServerResponse, retryAfter: number) {
    send(res, 429, errorBody(429, 'too many requests'), { 'Retry-After': String(retryAfter) });
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    res.once('finish', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/metrics' || path === '/healthz' || path === '/readyz') return;
      metrics.request({
        method: (req.method ?? 'GET').toUpperCase(),
        path,
        status: res.statusCode,
        durationMs: performance.now() - started,
      });
    });
    handle(req, res).catch((err: unknown) => {
      if (err instanceof ScimError) return fail(res, err);
      log(`${req.method} ${req.url} failed`, err);
      if (!res.headersSent) send(res, 500, errorBody(500, 'internal server error'));
      else res.destroy();
    });
  });
  // Identity providers keep connections open between calls.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const h = address.includes(':') ? `[${address}]` : address;
  const baseUrl = `http://${h}:${port}${BASE_PATH}`;
  publicBaseUrl = opts.publicUrl?.replace(/\/+$/, '') ?? baseUrl;
  return {
    port,
    baseUrl,
    publicBaseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};
