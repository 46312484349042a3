/**
 * Typed client of the Eptura Visitor SCIM API (docs/visitor-scim-api.md). Works the same against
 * a real Visitor base URL and the emulator. Every body is checked with the wire.ts schemas before
 * it is sent and every answer after it arrives; failures surface as classified VisitorScimErrors
 * (scim/errors.ts) after the client's own short retries of transient ones.
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type { z } from 'zod';
import type { ServiceProviderConfig, TargetCapabilities } from './discovery';
import { capabilitiesOf, SERVICE_PROVIDER_CONFIG_PATHS, ServiceProviderConfigSchema } from './discovery';
import {
  errorForStatus,
  retryAfterOf,
  VisitorConflictError,
  VisitorInvalidRequestError,
  VisitorNotFoundError,
  VisitorProtocolError,
  VisitorRateLimitedError,
  VisitorRejectedError,
  VisitorScimError,
} from './errors';
import { eqFilter } from './filter';
import type { HttpMethod, TransportRequest, TransportResponse } from './http';
import { HttpTransport } from './http';
import { LocalPatchError } from './local-patch';
import { GatePacer, type RequestPacer, SlotPacer } from './pacer';
import { MemoryRateSlots } from './rate-slots';
import { currentRequestContext, type RequestLane, withRequestContext } from './request-context';
import type { RetryPolicy } from './retry';
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from './retry';
import { type Rewritable, rewrite } from './rewrite';
import { sleep } from './throttle';
import { checkedListJson, parseResponse, validateRequest, type Where } from './validate';
import type {
  InvitationSendResponse,
  LocationRequest,
  PatchOperation,
  ScimLocation,
  ScimUser,
  ScimUserWriteAnswer,
  UserCreateRequest,
  UserReplaceRequest,
} from './wire';
import {
  InvitationSendResponseSchema,
  LOCATION_SERVER_SET,
  LocationAccessListRequestSchema,
  LocationListResponseSchema,
  LocationRequestSchema,
  LocationRewriteRequestSchema,
  LocationSchema,
  PatchRequestSchema,
  ScimErrorSchema,
  URN_PATCH_OP,
  URN_VISITOR_USER,
  USER_SERVER_SET,
  USER_WRITE_ANSWER_ATTRIBUTES,
  UserCreateRequestSchema,
  UserListResponseSchema,
  UserReplaceRequestSchema,
  UserRewriteRequestSchema,
  UserSchema,
  UserWriteAnswerSchema,
  VISITOR_USER_SERVER_SET,
} from './wire';

export interface RequestEvent {
  method: HttpMethod;
  /** Path template, e.g. `/Users/{id}` — bounded cardinality for metrics. */
  route: string;
  /** undefined when no answer arrived (network error, time-out). */
  status: number | undefined;
  durationMs: number;
  /** 1 for the first try. */
  attempt: number;
  /** Error class name when the attempt failed. */
  error?: string | undefined;
}

export interface RetryEvent {
  method: HttpMethod;
  route: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  /** Set when the server's Retry-After decided the delay. */
  retryAfterMs: number | undefined;
  error: VisitorScimError;
}

export interface VisitorScimClientOptions {
  /** e.g. https://…/scim/v1 */
  baseUrl: string;
  /** Bearer token; kept out of logs, errors and serialisations. */
  token: string;
  /** Sockets and requests in flight (default 16). */
  concurrency?: number;
  /** Whole-request time-out (default 30 s). */
  timeoutMs?: number;
  /** Socket inactivity time-out (default timeoutMs). */
  socketTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Client-side limit, e.g. Visitor's documented limit; off by default. Kept by this process alone. */
  maxRequestsPerSecond?: number;
  /** When requests may go; overrides maxRequestsPerSecond (e.g. one every worker shares: pacer.ts). */
  pacer?: RequestPacer;
  onRequest?: (event: RequestEvent) => void;
  onRetry?: (event: RetryEvent) => void;
}

export interface WriteOptions {
  /** ETag (meta.version) the resource must still have; a mismatch fails with 412. */
  ifMatch?: string | undefined;
}

export interface Page<T> {
  resources: T[];
  startIndex: number;
  totalResults: number;
}

export interface ListUsersOptions {
  filter?: string;
  /** Requested page size (default 100); capped at the server's filter.maxResults. */
  pageSize?: number;
}

/** The extension object of a create body, with the write-only invitation switch. */
type CreateExtension = NonNullable<UserCreateRequest[typeof URN_VISITOR_USER]>;

const USERS = '/Users';
const USER = '/Users/{id}';
const LOCATIONS = '/Locations';
const LOCATION = '/Locations/{id}';
const DEFAULT_PAGE_SIZE = 100;
/** 429s one call waits out before it gives up (the work's own retry takes over then). */
const MAX_THROTTLED_RETRIES = 100;

const idPath = (collection: string, id: string) => `${collection}/${encodeURIComponent(id)}`;

export class VisitorScimClient {
  private readonly transport: HttpTransport;
  private readonly retry: RetryPolicy;
  private readonly pacer: RequestPacer;
  private readonly onRequest: ((event: RequestEvent) => void) | undefined;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  private capabilities: Promise<TargetCapabilities> | undefined;
  /** Set when a PATCH was refused (501/405) although discovery allowed it (or said nothing). */
  private patchRefused = false;

  constructor(options: VisitorScimClientOptions) {
    const concurrency = options.concurrency ?? 16;
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl,
      token: options.token,
      concurrency,
      timeoutMs: options.timeoutMs ?? 30_000,
      socketTimeoutMs: options.socketTimeoutMs,
    });
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!(this.retry.attempts >= 1)) throw new RangeError('retry.attempts must be ≥ 1');
    this.pacer =
      options.pacer ??
      (options.maxRequestsPerSecond === undefined
        ? new GatePacer()
        : new SlotPacer(new MemoryRateSlots(), options.maxRequestsPerSecond));
    this.onRequest = options.onRequest;
    this.onRetry = options.onRetry;
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /** Milliseconds all requests of this client still wait because of a 429. */
  get backoffRemainingMs(): number {
    return this.pacer.backoffRemainingMs();
  }

  close(): void {
    this.transport.close();
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl };
  }

  [inspect.custom](): string {
    return `VisitorScimClient(${this.baseUrl})`;
  }

  // ----------------------------------------------------------------------- users

  /**
   * POST /Users. A 409 uniqueness (the user exists — created by an earlier attempt whose answer was
   * lost, or by hand) is resolved by looking the user up — by externalId first (the Engage id the
   * sync writes: our own user, even when its userName changed since), then by userName — and
   * returning it with `adopted: true`; an adopted user keeps its invitation state (sendInvitation
   * is not applied to it) and is not brought into line here (the caller patches it). A created user
   * comes back as the short write answer (id, userName, externalId, active, invitation).
   *
   * `retried`: the caller may have sent this create before (a retried attempt). The user is then
   * looked up by externalId before the POST, so a target that does not refuse a second user with
   * the same externalId gets no duplicate. Off, a create is one request.
   */
  async createUser(
    body: UserCreateRequest,
    options: { sendInvitation?: boolean; retried?: boolean } = {},
  ): Promise<{ user: ScimUserWriteAnswer; adopted: false } | { user: ScimUser; adopted: true }> {
    const where = { method: 'POST', route: USERS } as const;
    const withInvitation =
      options.sendInvitation === undefined
        ? body
        : {
            ...body,
            [URN_VISITOR_USER]: {
              ...body[URN_VISITOR_USER],
              sendInvitation: options.sendInvitation,
            } satisfies CreateExtension,
          };
    const { request, json } = encodeUserRequest(UserCreateRequestSchema, withInvitation, where);
    if (options.retried && request.externalId !== undefined) {
      const ours = await this.findUserByExternalId(request.externalId);
      if (ours !== null) return { user: ours, adopted: true };
    }
    try {
      const res = await this.call({
        ...where,
        path: USERS,
        query: { attributes: USER_WRITE_ANSWER_ATTRIBUTES },
        body: request,
        json,
      });
      return { user: this.parse(UserWriteAnswerSchema, res, where), adopted: false };
    } catch (err) {
      if (!(err instanceof VisitorConflictError) || (err.scimType && err.scimType !== 'uniqueness'))
        throw err;
      const existing =
        (request.externalId === undefined ? null : await this.findUserByExternalId(request.externalId)) ??
        (await this.findUserByUserName(request.userName));
      if (existing === null) throw err;
      return { user: existing, adopted: true };
    }
  }

  /** GET /Users/{id}; null when Visitor has no such user. */
  async getUser(id: string): Promise<ScimUser | null> {
    const where = { method: 'GET', route: USER } as const;
    try {
      const res = await this.call({ ...where, path: idPath(USERS, id) });
      return this.parse(UserSchema, res, where);
    } catch (err) {
      if (err instanceof VisitorNotFoundError) return null;
      throw err;
    }
  }

  /** userName is case-insensitive in Visitor (and in the filter). */
  async findUserByUserName(userName: string): Promise<ScimUser | null> {
    const users = await this.firstPage(eqFilter('userName', userName));
    const wanted = userName.toLowerCase();
    return users.find((u) => u.userName.toLowerCase() === wanted) ?? null;
  }

  async findUserByExternalId(externalId: string): Promise<ScimUser | null> {
    const users = await this.firstPage(eqFilter('externalId', externalId));
    return users.find((u) => u.externalId === externalId) ?? null;
  }

  /**
   * Pages through GET /Users with startIndex/count. Stops at totalResults or at an empty page.
   * Offset paging: users deleted meanwhile shift later pages (a later full pass catches up).
   */
  async *listUsers(options: ListUsersOptions = {}): AsyncGenerator<Page<ScimUser>> {
    const where = { method: 'GET', route: USERS } as const;
    yield* this.pages(
      options,
      (query) => this.call({ ...where, path: USERS, query }),
      (res) => this.parse(UserListResponseSchema, res, where),
    );
  }

  /** PUT /Users/{id}: full replace (omitted optional attributes are cleared). */
  async replaceUser(id: string, body: UserReplaceRequest, options: WriteOptions = {}): Promise<ScimUser> {
    const where = { method: 'PUT', route: USER } as const;
    const { request, json } = encodeUserRequest(UserReplaceRequestSchema, body, where);
    const res = await this.call({
      ...where,
      path: idPath(USERS, id),
      body: request,
      json,
      ifMatch: options.ifMatch,
    });
    return this.parse(UserSchema, res, where);
  }

  /**
   * Applies PATCH operations; returns the updated user. A target that may not PATCH (its
   * /ServiceProviderConfig says so, or it answered a PATCH 501/405) gets a read-modify-write PUT of
   * the whole user instead (scim/rewrite.ts), with the same result.
   */
  async patchUser(id: string, operations: PatchOperation[], options: WriteOptions = {}): Promise<ScimUser> {
    const where = { method: 'PATCH', route: USER } as const;
    const patched = await this.patchIfSupported(where, idPath(USERS, id), operations, options);
    if (patched === undefined) return this.rewriteUser(id, operations, options);
    if (patched.status !== 204) return this.parse(UserSchema, patched, where);
    const user = await this.getUser(id);
    if (user === null)
      throw new VisitorNotFoundError({ ...where, status: 404, detail: 'user gone after PATCH' });
    return user;
  }

  /** DELETE /Users/{id}; false when the user was already gone (idempotent). */
  async deleteUser(id: string, options: WriteOptions = {}): Promise<boolean> {
    try {
      await this.call({ method: 'DELETE', route: USER, path: idPath(USERS, id), ifMatch: options.ifMatch });
      return true;
    } catch (err) {
      if (err instanceof VisitorNotFoundError) return false;
      throw err;
    }
  }

  /** POST /Users/{id}/invitation — idempotent: a second call reports `alreadySent`. */
  async sendInvitation(id: string): Promise<InvitationSendResponse> {
    const where = { method: 'POST', route: '/Users/{id}/invitation' } as const;
    const res = await this.call({ ...where, path: `${idPath(USERS, id)}/invitation` });
    return this.parse(InvitationSendResponseSchema, res, where);
  }

  // ----------------------------------------------------------------------- locations

  async listLocations(): Promise<ScimLocation[]> {
    return this.allLocations();
  }

  /** The location where the SCIM integration is installed. */
  async getDefaultLocation(): Promise<ScimLocation> {
    const found = (await this.allLocations()).find((l) => l.isDefault);
    if (found) return found;
    throw new VisitorProtocolError({ method: 'GET', route: LOCATIONS, detail: 'no location has isDefault' });
  }

  async getLocation(id: string): Promise<ScimLocation | null> {
    const where = { method: 'GET', route: LOCATION } as const;
    try {
      return this.parse(LocationSchema, await this.call({ ...where, path: idPath(LOCATIONS, id) }), where);
    } catch (err) {
      if (err instanceof VisitorNotFoundError) return null;
      throw err;
    }
  }

  async findLocationByExternalId(externalId: string): Promise<ScimLocation | null> {
    const found = await this.allLocations(eqFilter('externalId', externalId));
    return found.find((l) => l.externalId === externalId) ?? null;
  }

  /** POST /Locations; a 409 is resolved by adopting the location with the same externalId. */
  async createLocation(body: LocationRequest): Promise<{ location: ScimLocation; adopted: boolean }> {
    const where = { method: 'POST', route: LOCATIONS } as const;
    const request = validateRequest(LocationRequestSchema, body, where);
    try {
      const res = await this.call({ ...where, path: LOCATIONS, body: request });
      return { location: this.parse(LocationSchema, res, where), adopted: false };
    } catch (err) {
      if (!(err instanceof VisitorConflictError) || request.externalId === undefined) throw err;
      const existing = await this.findLocationByExternalId(request.externalId);
      if (existing === null) throw err;
      return { location: existing, adopted: true };
    }
  }

  /** As patchUser: a PATCH, or a read-modify-write PUT where the target may not PATCH. */
  async patchLocation(
    id: string,
    operations: PatchOperation[],
    options: WriteOptions = {},
  ): Promise<ScimLocation> {
    const where = { method: 'PATCH', route: LOCATION } as const;
    const res = await this.patchIfSupported(where, idPath(LOCATIONS, id), operations, options);
    if (res === undefined) return this.rewriteLocation(id, operations, options);
    if (res.status !== 204) return this.parse(LocationSchema, res, where);
    const location = await this.getLocation(id);
    if (location === null) {
      throw new VisitorNotFoundError({ ...where, status: 404, detail: 'location gone after PATCH' });
    }
    return location;
  }

  async replaceLocation(
    id: string,
    body: LocationRequest,
    options: WriteOptions = {},
  ): Promise<ScimLocation> {
    const where = { method: 'PUT', route: LOCATION } as const;
    const request = validateRequest(LocationRequestSchema, body, where);
    const res = await this.call({
      ...where,
      path: idPath(LOCATIONS, id),
      body: request,
      ifMatch: options.ifMatch,
    });
    return this.parse(LocationSchema, res, where);
  }

  // ----------------------------------------------------------------------- discovery

  /** GET /ServiceProviderConfig, or SCIM 1.1's /ServiceProviderConfigs when only that one exists. */
  async getServiceProviderConfig(): Promise<ServiceProviderConfig> {
    const [current, legacy] = SERVICE_PROVIDER_CONFIG_PATHS;
    try {
      return await this.readServiceProviderConfig(current);
    } catch (err) {
      if (!(err instanceof VisitorNotFoundError)) throw err;
      return this.readServiceProviderConfig(legacy);
    }
  }

  /**
   * What the target supports (PATCH, ETags, the largest page), read once from its configuration and
   * shared by every caller; a target without a readable one is treated as discovery.ts says.
   */
  async targetCapabilities(): Promise<TargetCapabilities> {
    // Read without the first caller's signal (its cancel must not fail the rest).
    this.capabilities ??= withRequestContext({ lane: currentRequestContext().lane }, () =>
      this.getServiceProviderConfig(),
    ).then(capabilitiesOf, (err: unknown) => {
      // Discovery is optional for Visitor; anything but a missing/odd document is a real failure.
      if (err instanceof VisitorNotFoundError || err instanceof VisitorProtocolError)
        return capabilitiesOf(undefined);
      if (err instanceof VisitorRejectedError) return capabilitiesOf(undefined);
      this.capabilities = undefined;
      throw err;
    });
    const capabilities = await this.capabilities;
    return this.patchRefused ? { ...capabilities, patch: false } : capabilities;
  }

  /** filter.maxResults, read once; undefined when the server does not publish it. */
  async maxPageSize(): Promise<number | undefined> {
    return (await this.targetCapabilities()).maxResults;
  }

  // ----------------------------------------------------------------------- internals

  private async firstPage(filter: string): Promise<ScimUser[]> {
    for await (const page of this.listUsers({ filter, pageSize: 10 })) return page.resources;
    return [];
  }

  private async allLocations(filter?: string): Promise<ScimLocation[]> {
    const where = { method: 'GET', route: LOCATIONS } as const;
    const all: ScimLocation[] = [];
    const pages = this.pages(
      { filter, pageSize: DEFAULT_PAGE_SIZE },
      (query) => this.call({ ...where, path: LOCATIONS, query }),
      (res) => this.parse(LocationListResponseSchema, res, where),
    );
    for await (const page of pages) all.push(...page.resources);
    return all;
  }

  private async *pages<T>(
    options: { filter?: string | undefined; pageSize?: number | undefined },
    fetch: (query: Record<string, string | number | undefined>) => Promise<TransportResponse>,
    parse: (res: TransportResponse) => { totalResults: number; Resources: T[] },
  ): AsyncGenerator<Page<T>> {
    const max = await this.maxPageSize();
    const requested = Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE));
    const count = max === undefined ? requested : Math.min(requested, max);
    let startIndex = 1;
    for (;;) {
      const list = parse(await fetch({ filter: options.filter, startIndex, count }));
      if (list.Resources.length === 0) return;
      yield { resources: list.Resources, startIndex, totalResults: list.totalResults };
      // Advance by what came back: a server may return fewer than `count`.
      startIndex += list.Resources.length;
      if (startIndex > list.totalResults) return;
    }
  }

  private async readServiceProviderConfig(path: string): Promise<ServiceProviderConfig> {
    const where = { method: 'GET', route: path } as const;
    return this.parse(ServiceProviderConfigSchema, await this.call({ ...where, path }), where);
  }

  /** The PATCH's answer; undefined when the target may not PATCH (known, or learnt from this one). */
  private async patchIfSupported(
    where: { method: 'PATCH'; route: string },
    path: string,
    operations: PatchOperation[],
    options: WriteOptions,
  ): Promise<TransportResponse | undefined> {
    const body = validateRequest(
      PatchRequestSchema,
      { schemas: [URN_PATCH_OP], Operations: operations },
      where,
    );
    if (!(await this.targetCapabilities()).patch) return undefined;
    try {
      return await this.call({ ...where, path, body, ifMatch: options.ifMatch });
    } catch (err) {
      // Not implemented, or not allowed here: a target whose discovery said nothing or too much.
      if (!(err instanceof VisitorScimError) || (err.status !== 501 && err.status !== 405)) throw err;
      this.patchRefused = true;
      return undefined;
    }
  }

  private async rewriteUser(id: string, operations: PatchOperation[], options: WriteOptions) {
    const where = { method: 'PUT', route: USER } as const;
    return this.rewrite<ScimUser>(where, operations, options, {
      read: () => this.getUser(id),
      body: (user) => {
        const body: Record<string, unknown> = withoutKeys(user, USER_SERVER_SET);
        const ext = user[URN_VISITOR_USER];
        if (ext) body[URN_VISITOR_USER] = withoutKeys(ext, VISITOR_USER_SERVER_SET);
        return body;
      },
      put: async (body, ifMatch) => {
        const request = validateRequest(UserRewriteRequestSchema, body, where);
        const res = await this.call({ ...where, path: idPath(USERS, id), body: request, ifMatch });
        return this.parse(UserSchema, res, where);
      },
      gone: () => new VisitorNotFoundError({ ...where, status: 404, detail: 'user not found' }),
    });
  }

  private async rewriteLocation(id: string, operations: PatchOperation[], options: WriteOptions) {
    const where = { method: 'PUT', route: LOCATION } as const;
    return this.rewrite<ScimLocation>(where, operations, options, {
      read: () => this.getLocation(id),
      body: (location) => withoutKeys(location, LOCATION_SERVER_SET),
      put: async (body, ifMatch) => {
        const request = validateRequest(LocationRewriteRequestSchema, body, where);
        const res = await this.call({ ...where, path: idPath(LOCATIONS, id), body: request, ifMatch });
        return this.parse(LocationSchema, res, where);
      },
      gone: () => new VisitorNotFoundError({ ...where, status: 404, detail: 'location not found' }),
    });
  }

  /** A read-modify-write; an operation that cannot apply fails as the target's PATCH would have. */
  private async rewrite<T extends ScimUser | ScimLocation>(
    where: { method: 'PUT'; route: string },
    operations: PatchOperation[],
    options: WriteOptions,
    resource: Rewritable<T>,
  ): Promise<T> {
    const { Operations } = validateRequest(
      PatchRequestSchema,
      { schemas: [URN_PATCH_OP], Operations: operations },
      { method: 'PATCH', route: where.route },
    );
    const { etag } = await this.targetCapabilities();
    try {
      return await rewrite(resource, Operations, { ifMatch: options.ifMatch, etag });
    } catch (err) {
      if (!(err instanceof LocalPatchError)) throw err;
      throw new VisitorInvalidRequestError({ ...where, scimType: err.scimType, detail: err.message });
    }
  }

  private parse<S extends z.ZodType>(
    schema: S,
    res: TransportResponse,
    where: { method: string; route: string },
  ): z.output<S> {
    return parseResponse(schema, withHeaderEtag(res), { ...where, status: res.status });
  }

  /**
   * One logical call: pacing, the request, classification, and in-client retries. A 429 is Visitor
   * asking us to slow down, not a failure: it does not use up an attempt (up to MAX_THROTTLED_RETRIES),
   * and every request waits it out. The work's signal (request-context.ts) abandons the waits.
   */
  private async call(req: TransportRequest): Promise<TransportResponse> {
    const { lane, signal } = currentRequestContext();
    let attempt = 1;
    for (let sends = 1, throttled = 0; ; sends++) {
      let started = performance.now();
      let paced = false;
      let res: TransportResponse | undefined;
      let error: VisitorScimError | undefined;
      try {
        // The turn is taken once a socket is free, so a request never queues for a socket after its
        // turn (it would then go back to back with others, over the limit).
        res = await this.transport.send(req, lane === 'event' ? 'urgent' : 'normal', async () => {
          await this.pace(req, lane, signal);
          paced = true;
          started = performance.now();
        });
        if (res.status >= 400) error = this.errorFor(req, res);
      } catch (err) {
        // Abandoned (or failed fast) before it was sent: not Visitor's answer.
        if (!paced) throw err;
        error = toScimError(req, err);
      }
      this.emitRequest({
        method: req.method,
        route: req.route,
        status: res?.status,
        durationMs: performance.now() - started,
        attempt: sends,
        error: error?.name,
      });
      if (error === undefined && res !== undefined) return res;
      if (error === undefined) throw new VisitorProtocolError({ method: req.method, route: req.route });

      const retryAfterMs = retryAfterOf(error);
      const rateLimited = error instanceof VisitorRateLimitedError;
      const delayMs = retryAfterMs ?? backoffDelayMs(this.retry, rateLimited ? throttled + 1 : attempt);
      // Hold every caller (every worker, with a shared pacer), not just this one.
      if (rateLimited) this.pacer.throttled(delayMs);
      if (retryAfterMs !== undefined && retryAfterMs > this.retry.maxRetryAfterMs) throw error;
      if (rateLimited) {
        if (++throttled > MAX_THROTTLED_RETRIES) throw error;
        this.emitRetry({
          method: req.method,
          route: req.route,
          attempt: sends,
          delayMs,
          retryAfterMs,
          error,
        });
        continue;
      }
      if (!error.retryable || attempt >= this.retry.attempts) throw error;
      attempt++;
      this.emitRetry({ method: req.method, route: req.route, attempt: sends, delayMs, retryAfterMs, error });
      await sleep(delayMs, undefined, signal ? { signal } : undefined);
    }
  }

  /** Waits for the back-off gate and the rate limit; a gate closed for too long fails fast instead. */
  private async pace(
    req: TransportRequest,
    lane: RequestLane,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const closedMs = this.pacer.backoffRemainingMs();
    if (closedMs > this.retry.maxRetryAfterMs) {
      throw new VisitorRateLimitedError(
        { method: req.method, route: req.route, status: 429, detail: 'client is backing off after a 429' },
        closedMs,
      );
    }
    await this.pacer.turn(lane, signal);
  }

  private errorFor(req: TransportRequest, res: TransportResponse): VisitorScimError {
    const scim = ScimErrorSchema.safeParse(res.body);
    const retryAfter = res.headers['retry-after'];
    return errorForStatus(
      {
        method: req.method,
        route: req.route,
        status: res.status,
        scimType: scim.success ? scim.data.scimType : undefined,
        detail: scim.success
          ? scim.data.detail && this.transport.redact(scim.data.detail)
          : res.text || undefined,
      },
      typeof retryAfter === 'string' ? retryAfter : undefined,
    );
  }

  // Hooks must never break a call.
  private emitRequest(event: RequestEvent): void {
    try {
      this.onRequest?.(event);
    } catch {}
  }

  private emitRetry(event: RetryEvent): void {
    try {
      this.onRetry?.(event);
    } catch {}
  }
}

/** Stands in for a shared access list while the rest of a body is serialised (see below). */
const LIST_PLACEHOLDER = `\u0000shared-list-${randomUUID()}\u0000`;
const LIST_PLACEHOLDER_JSON = JSON.stringify(LIST_PLACEHOLDER);

/**
 * Checks a user request. A shared (frozen) access list is checked and serialised once for all the
 * bodies that carry it (validate.ts); the rest of the body is checked every time, and the body goes
 * out as three parts: the JSON before the list, the list's cached bytes, the JSON after it.
 */
function encodeUserRequest<T extends UserCreateRequest | UserReplaceRequest>(
  schema: z.ZodType<T>,
  body: T,
  where: Where,
): { request: T; json?: readonly Buffer[] } {
  const ext = body[URN_VISITOR_USER];
  const list = ext?.locationAccess;
  const listJson = list && checkedListJson(LocationAccessListRequestSchema, list, where);
  if (!listJson) return { request: validateRequest(schema, body, where) };
  const rest = validateRequest(
    schema,
    { ...body, [URN_VISITOR_USER]: { ...ext, locationAccess: [] } },
    where,
  );
  const text = JSON.stringify({
    ...rest,
    [URN_VISITOR_USER]: { ...rest[URN_VISITOR_USER], locationAccess: LIST_PLACEHOLDER },
  });
  const at = text.indexOf(LIST_PLACEHOLDER_JSON);
  const json = [
    Buffer.from(text.slice(0, at), 'utf8'),
    listJson,
    Buffer.from(text.slice(at + LIST_PLACEHOLDER_JSON.length), 'utf8'),
  ];
  return {
    request: { ...rest, [URN_VISITOR_USER]: { ...rest[URN_VISITOR_USER], locationAccess: list } },
    json,
  };
}

function withoutKeys<T extends object>(obj: T, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}

/** A server that sends the ETag header but no meta.version still yields a usable version. */
function withHeaderEtag(res: TransportResponse): unknown {
  const body = res.body;
  if (res.etag === undefined || typeof body !== 'object' || body === null || !('meta' in body)) return body;
  const meta = body.meta;
  if (typeof meta !== 'object' || meta === null || 'version' in meta) return body;
  return { ...body, meta: { ...meta, version: res.etag } };
}

function toScimError(req: TransportRequest, err: unknown): VisitorScimError {
  if (err instanceof VisitorScimError) return err;
  // Not expected from the transport; wrapped so callers see one error family (message only, no cause).
  return new VisitorScimError({
    method: req.method,
    route: req.route,
    detail: err instanceof Error ? err.message : String(err),
  });
}
