// The Engage SCIM 2.0 server: plain node:http with keep-alive. Bearer auth, per-client rate limit,
// body limit, SCIM error mapping; the token provider at …/token. No SQL or stack trace ever
// reaches a response: unexpected errors are logged here and answered with a generic 500.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import { type RateLimit, TokenBuckets } from './auth/rate-limit';
import { authenticate } from './auth/tokens';
import { errorBody, ScimError } from './errors';
import { BodyTooLarge, readBody } from './http-body';
import type { ScimContext } from './request';
import { dispatch } from './routes';
import { tokenRequest } from './token-endpoint';

export const BASE_PATH = '/scim/api/V1';
const TOKEN_PATHS = new Set(['/scim/api/v1/token', '/api/v1/token']);

export interface EngageScimServerOptions {
  db: Kysely<EngageDatabase>;
  port?: number;
  host?: string;
  /** Told after every write, so it publishes at once instead of at its next poll. */
  publisher?: { wake(): void };
  /** Per SCIM client; false disables it. Default 50/s, burst 200. */
  rateLimit?: RateLimit | false;
  maxBodyBytes?: number;
  maxResults?: number;
  /** Lifetime of a token when the request names none, seconds. */
  defaultTokenExpiry?: number;
  /** Public base URL (…/scim/api/V1) for meta.location; default from the Host header. */
  publicUrl?: string;
  log?: (message: string, err?: unknown) => void;
}

export interface EngageScimServer {
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const HOST = /^[A-Za-z0-9.[\]:-]{1,255}$/;

export async function startEngageScimServer(opts: EngageScimServerOptions): Promise<EngageScimServer> {
  const { db } = opts;
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;
  const maxResults = opts.maxResults ?? 200;
  const defaultExpiry = opts.defaultTokenExpiry ?? 3600;
  const log = opts.log ?? ((m: string, e?: unknown) => console.error(`[engage-scim] ${m}`, e ?? ''));
  const buckets =
    opts.rateLimit === false ? undefined : new TokenBuckets(opts.rateLimit ?? { perSecond: 50, burst: 200 });

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

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const lowerPath = url.pathname.toLowerCase().replace(/\/+$/, '');

    let raw: Buffer;
    try {
      raw = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return fail(res, new ScimError(413, `request body exceeds ${maxBodyBytes} bytes`));
      }
      throw err;
    }

    if (TOKEN_PATHS.has(lowerPath)) {
      if (method !== 'POST') return fail(res, new ScimError(405, 'use POST'));
      const fields = parseFields(raw, req.headers['content-type']);
      const retry = buckets?.take(`token:${fields.scimClientId ?? ''}`) ?? 0;
      if (retry > 0) return tooMany(res, retry);
      const r = await tokenRequest(db, fields, defaultExpiry);
      return send(res, r.status, r.body, { 'Content-Type': 'application/json; charset=utf-8' });
    }

    if (lowerPath !== BASE_PATH.toLowerCase() && !lowerPath.startsWith(`${BASE_PATH.toLowerCase()}/`)) {
      return fail(res, new ScimError(404, 'not found'));
    }
    const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const principal = auth ? await authenticate(db, auth[1]!) : undefined;
    if (!principal) {
      return fail(
        res,
        new ScimError(401, 'a valid bearer token is required', undefined, {
          'WWW-Authenticate': 'Bearer realm="engage-scim"',
        }),
      );
    }
    const retry = buckets?.take(principal.clientId) ?? 0;
    if (retry > 0) return tooMany(res, retry);

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return fail(res, new ScimError(400, 'the body is not valid JSON', 'invalidSyntax'));
      }
    }
    const host = req.headers.host && HOST.test(req.headers.host) ? req.headers.host : 'localhost';
    const ctx: ScimContext = {
      baseUrl: opts.publicUrl?.replace(/\/+$/, '') ?? `http://${host}${BASE_PATH}`,
      maxResults,
      maxBodyBytes,
    };
    const r = await dispatch(db, ctx, {
      method,
      path: url.pathname.slice(BASE_PATH.length),
      query: url.searchParams,
      body,
      ifMatch: header(req, 'if-match'),
      ifNoneMatch: header(req, 'if-none-match'),
    });
    if (WRITE_METHODS.has(method) && r.status < 400) opts.publisher?.wake();
    send(res, r.status, r.body, r.headers);
  }

  function tooMany(res: ServerResponse, retryAfter: number) {
    send(res, 429, errorBody(429, 'too many requests'), { 'Retry-After': String(retryAfter) });
  }

  const server = createServer((req, res) => {
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
  return {
    port,
    baseUrl: `http://${h}:${port}${BASE_PATH}`,
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

/** Form-encoded, as Engage's token provider takes; JSON accepted too. Strings only. */
function parseFields(raw: Buffer, contentType: string | undefined): Record<string, string> {
  const text = raw.toString('utf8');
  if (contentType?.includes('json')) {
    try {
      const o = JSON.parse(text) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) {
        return Object.fromEntries(
          Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]),
        );
      }
    } catch {
      return {};
    }
    return {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}
