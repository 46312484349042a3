/**
 * The HTTP transport of the Visitor SCIM client: one keep-alive agent, bearer auth, per-request
 * time-outs, JSON in and out. It sends exactly one request and reports what came back; status
 * classification and retries live in the client.
 */
import http from 'node:http';
import https from 'node:https';
import { inspect } from 'node:util';
import { VisitorNetworkError, VisitorProtocolError, VisitorScimError, VisitorTimeoutError } from './errors';
import { Semaphore } from './throttle';
import { SCIM_CONTENT_TYPE } from './wire';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TransportOptions {
  /** e.g. https://…/scim/v1 or http://127.0.0.1:PORT/scim/v1 */
  baseUrl: string;
  token: string;
  /** Sockets (and requests in flight) at most. */
  concurrency: number;
  /** Whole request: from sending to the last byte of the answer. */
  timeoutMs: number;
  /** Longest silence on the socket; defaults to timeoutMs. */
  socketTimeoutMs?: number | undefined;
  /** Answers larger than this are refused (a list page of 1,000 users is far below). */
  maxResponseBytes?: number | undefined;
}

export interface TransportRequest {
  method: HttpMethod;
  /** Path template for errors and metrics, e.g. `/Users/{id}`. */
  route: string;
  /** Path below the base URL with ids already encoded, e.g. `/Users/3f2a…`. */
  path: string;
  query?: Record<string, string | number | undefined> | undefined;
  body?: unknown;
  /** The body already serialised, in parts (shared ones cached by the client); sent instead of `body`. */
  json?: readonly Buffer[] | undefined;
  ifMatch?: string | undefined;
}

export interface TransportResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  body: unknown;
  /** Start of the raw body (token redacted) of an error answer, used as detail when it is not a SCIM error. */
  text: string;
  etag: string | undefined;
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Certificate problems are configuration, not weather: retrying cannot help. */
const TLS_CONFIG_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class HttpTransport {
  // A private field: JSON.stringify and util.inspect never show it.
  readonly #authorization: string;
  readonly #token: string;
  private readonly base: URL;
  /** The host as http.request wants it (an IPv6 literal without its brackets), worked out once. */
  private readonly hostname: string;
  private readonly agent: http.Agent;
  private readonly slots: Semaphore;
  private readonly timeoutMs: number;
  private readonly socketTimeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(options: TransportOptions) {
    this.base = new URL(options.baseUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new TypeError('Visitor SCIM base URL must be http(s)');
    }
    if (this.base.username || this.base.password) {
      throw new TypeError('Visitor SCIM base URL must not carry credentials; pass the token separately');
    }
    this.base.pathname = this.base.pathname.replace(/\/+$/, '');
    this.hostname = this.base.hostname.replace(/^\[|\]$/g, '');
    this.#token = options.token;
    this.#authorization = `Bearer ${options.token}`;
    const agentOptions = { keepAlive: true, maxSockets: options.concurrency };
    this.agent =
      this.base.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.slots = new Semaphore(options.concurrency);
    this.timeoutMs = options.timeoutMs;
    this.socketTimeoutMs = options.socketTimeoutMs ?? options.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** Base URL without query or credentials — safe to log. */
  get baseUrl(): string {
    return `${this.base.origin}${this.base.pathname}`;
  }

  /** `urgent` requests (one user's change, now) take the next free socket ahead of bulk ones. */
  async send(
    req: TransportRequest,
    priority: 'urgent' | 'normal' = 'normal',
    ready?: () => Promise<void>,
  ): Promise<TransportResponse> {
    // Wait for a slot first so the time-out only counts time spent talking to Visitor; `ready` (the
    // request's turn under a rate limit) is waited for holding the slot, just before sending.
    const release = await this.slots.acquire(priority);
    try {
      await ready?.();
      return await this.sendNow(req);
    } finally {
      release();
    }
  }

  /** Destroys pooled sockets; in-flight requests fail with a network error. */
  close(): void {
    this.agent.destroy();
  }

  /** Removes the token from any text that may have echoed it (a proxy's error page, say). */
  redact(text: string): string {
    return this.#token ? text.split(this.#token).join('[redacted]') : text;
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, timeoutMs: this.timeoutMs };
  }

  [inspect.custom](): string {
    return `HttpTransport(${this.baseUrl})`;
  }

  /** Path and query below the origin, built as a string (no URL object per request). */
  private path(req: TransportRequest): string {
    const query = Object.entries(req.query ?? {})
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      // %20 rather than '+': not every server decodes '+' in a filter as a space.
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const path = `${this.base.pathname}${req.path}`;
    return query ? `${path}?${query}` : path;
  }

  private sendNow(req: TransportRequest): Promise<TransportResponse> {
    const init = { method: req.method, route: req.route };
    const payload =
      req.json ?? (req.body === undefined ? undefined : [Buffer.from(JSON.stringify(req.body), 'utf8')]);
    const headers: http.OutgoingHttpHeaders = {
      accept: `${SCIM_CONTENT_TYPE}, application/json`,
      authorization: this.#authorization,
    };
    if (payload) {
      headers['content-type'] = SCIM_CONTENT_TYPE;
      headers['content-length'] = payload.reduce((n, part) => n + part.length, 0);
    }
    if (req.ifMatch !== undefined) headers['if-match'] = req.ifMatch;
    const request = (this.base.protocol === 'https:' ? https : http).request({
      protocol: this.base.protocol,
      hostname: this.hostname,
      port: this.base.port || undefined,
      path: this.path(req),
      method: req.method,
      headers,
      agent: this.agent,
    });

    return new Promise<TransportResponse>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const fail = (err: VisitorScimError) =>
        finish(() => {
          // Destroying drops a hung keep-alive socket instead of returning it to the pool.
          request.destroy();
          reject(err);
        });
      const timer = setTimeout(() => fail(new VisitorTimeoutError(init, this.timeoutMs)), this.timeoutMs);
      request.setTimeout(this.socketTimeoutMs, () =>
        fail(new VisitorTimeoutError(init, this.socketTimeoutMs)),
      );
      request.on('error', (err) => fail(this.networkError(init, err)));
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            fail(new VisitorProtocolError({ ...init, status: res.statusCode, detail: 'response too large' }));
          } else chunks.push(chunk);
        });
        res.on('error', (err) => fail(this.networkError(init, err)));
        res.on('close', () => {
          if (!res.complete) fail(new VisitorNetworkError(init, 'ECONNRESET'));
        });
        res.on('end', () =>
          finish(() => resolve(this.toResponse(res, Buffer.concat(chunks).toString('utf8')))),
        );
      });
      if (payload) for (const part of payload) request.write(part);
      request.end();
    });
  }

  private toResponse(res: http.IncomingMessage, raw: string): TransportResponse {
    let body: unknown;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
    }
    const etag = res.headers.etag;
    return {
      status: res.statusCode ?? 0,
      headers: res.headers,
      body,
      text: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400 ? '' : this.redact(raw.slice(0, 300)),
      etag: typeof etag === 'string' ? etag : undefined,
    };
  }

  private networkError(init: { method: string; route: string }, err: Error): VisitorScimError {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && TLS_CONFIG_CODES.has(code)) {
      return new VisitorScimError(
        { ...init, detail: code },
        `Visitor SCIM ${init.method} ${init.route}: TLS verification failed (${code}); check VISITOR_SCIM_URL`,
      );
    }
    // Keep only the code: Node's messages can name the host, but never need the request details.
    return new VisitorNetworkError({ ...init, detail: this.redact(err.message) }, code);
  }
}
