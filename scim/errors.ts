/**
 * Failures of Visitor SCIM calls, classified the way Temporal activities need them: `retryable`
 * says whether trying the same call again can help. Errors carry the route template
 * (`/Users/{id}`), never the full URL or the token, so they are safe to log and to put into
 * workflow history.
 */

export interface VisitorScimErrorInit {
  method: string;
  route: string;
  /** HTTP status; undefined when no response arrived (network error, time-out, client-side check). */
  status?: number | undefined;
  scimType?: string | undefined;
  detail?: string | undefined;
  cause?: unknown;
}

export class VisitorScimError extends Error {
  override name = 'VisitorScimError';
  readonly status: number | undefined;
  readonly scimType: string | undefined;
  readonly detail: string | undefined;
  readonly method: string;
  readonly route: string;
  readonly retryable: boolean = false;

  constructor(init: VisitorScimErrorInit, message?: string) {
    super(message ?? defaultMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.scimType = init.scimType;
    this.detail = init.detail;
    this.method = init.method;
    this.route = init.route;
  }

  /** What logs and Temporal details get: no stack, no cause object (it may hold sockets). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      scimType: this.scimType,
      detail: this.detail,
      method: this.method,
      route: this.route,
      retryable: this.retryable,
    };
  }
}

/**
 * The message leaves the server's detail out: Visitor may quote the user's e-mail there, and messages
 * travel into Temporal histories and run memos. The detail stays on the error (and in the
 * provisioning log, which is where PII may live).
 */
function defaultMessage(init: VisitorScimErrorInit): string {
  const status = init.status === undefined ? '' : ` ${init.status}`;
  const scimType = init.scimType ? ` ${init.scimType}` : '';
  return `Visitor SCIM ${init.method} ${init.route} failed${status}${scimType}`;
}

// ------------------------------------------------------------------------- transient (retryable)

/** 429: Visitor throttles us. `retryAfterMs` is set when the server said how long to wait. */
export class VisitorRateLimitedError extends VisitorScimError {
  override name = 'VisitorRateLimitedError';
  override readonly retryable = true;
  constructor(
    init: VisitorScimErrorInit,
    readonly retryAfterMs: number | undefined,
  ) {
    super(init);
  }
  override toJSON() {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** 5xx (and 408): the server failed; a 503 may also carry Retry-After. */
export class VisitorServerError extends VisitorScimError {
  override name = 'VisitorServerError';
  override readonly retryable = true;
  constructor(
    init: VisitorScimErrorInit,
    readonly retryAfterMs?: number | undefined,
  ) {
    super(init);
  }
  override toJSON() {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** The connection failed or broke (ECONNRESET, ECONNREFUSED, socket hang up, DNS…). */
export class VisitorNetworkError extends VisitorScimError {
  override name = 'VisitorNetworkError';
  override readonly retryable = true;
  constructor(
    init: VisitorScimErrorInit,
    readonly code: string | undefined,
  ) {
    super(init, `Visitor SCIM ${init.method} ${init.route}: network error ${code ?? ''}`.trimEnd());
  }
  override toJSON() {
    return { ...super.toJSON(), code: this.code };
  }
}

/** No (complete) answer within the configured time; the request may or may not have been applied. */
export class VisitorTimeoutError extends VisitorScimError {
  override name = 'VisitorTimeoutError';
  override readonly retryable = true;
  constructor(
    init: VisitorScimErrorInit,
    readonly timeoutMs: number,
  ) {
    super(init, `Visitor SCIM ${init.method} ${init.route}: no answer within ${timeoutMs} ms`);
  }
  override toJSON() {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs };
  }
}

// ------------------------------------------------------------------------- permanent

/** 401/403: the token is wrong, expired or lacks rights — no retry can fix configuration. */
export class VisitorAuthError extends VisitorScimError {
  override name = 'VisitorAuthError';
  constructor(init: VisitorScimErrorInit) {
    super(
      init,
      init.status === 403
        ? 'Visitor refused the SCIM token (403): the integration lacks rights — check that the SCIM ' +
            'integration is installed and its admin covers every provisioned location ' +
            `(${init.method} ${init.route})`
        : `Visitor rejected the SCIM token (${init.status ?? 401}): check VISITOR_SCIM_TOKEN (reinstalling ` +
            `the SCIM integration issues a new one) and VISITOR_SCIM_URL (${init.method} ${init.route})`,
    );
  }
}

/** 400 (or a body our own schema refused): this user's data is not acceptable to Visitor. */
export class VisitorRejectedError extends VisitorScimError {
  override name = 'VisitorRejectedError';
}

/** The request body failed validation before it was sent (status undefined). */
export class VisitorInvalidRequestError extends VisitorRejectedError {
  override name = 'VisitorInvalidRequestError';
}

export class VisitorNotFoundError extends VisitorScimError {
  override name = 'VisitorNotFoundError';
}

/** 409 that adoption could not resolve (e.g. the e-mail or externalId belongs to another user). */
export class VisitorConflictError extends VisitorScimError {
  override name = 'VisitorConflictError';
}

/** 412: the If-Match ETag is stale — re-read the resource and decide again. */
export class VisitorPreconditionFailedError extends VisitorScimError {
  override name = 'VisitorPreconditionFailedError';
}

/** 501: the target does not implement this (e.g. PATCH on a target that may not PATCH); retrying cannot help. */
export class VisitorNotImplementedError extends VisitorScimError {
  override name = 'VisitorNotImplementedError';
}

/** The server answered something that is not the documented SCIM shape. */
export class VisitorProtocolError extends VisitorScimError {
  override name = 'VisitorProtocolError';
}

// ------------------------------------------------------------------------- classification

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an HTTP-date (it has a weekday/month name); Date.parse would also take "-1".
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Builds the error for an HTTP answer with status ≥ 400. */
export function errorForStatus(
  init: VisitorScimErrorInit & { status: number },
  retryAfterHeader?: string,
): VisitorScimError {
  const { status } = init;
  if (status === 429) return new VisitorRateLimitedError(init, parseRetryAfter(retryAfterHeader));
  if (status === 501) return new VisitorNotImplementedError(init);
  if (status >= 500 || status === 408) return new VisitorServerError(init, parseRetryAfter(retryAfterHeader));
  if (status === 401 || status === 403) return new VisitorAuthError(init);
  if (status === 400) return new VisitorRejectedError(init);
  if (status === 404) return new VisitorNotFoundError(init);
  if (status === 409) return new VisitorConflictError(init);
  if (status === 412) return new VisitorPreconditionFailedError(init);
  return new VisitorScimError(init);
}

/** Delay the server asked for, if the error carries one. */
export function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof VisitorRateLimitedError || err instanceof VisitorServerError) return err.retryAfterMs;
  return undefined;
}

/**
 * The closed set of kinds the reconcile engine branches on: which of the classes above an error is,
 * without the engine testing for each class (and so without it caring how the client is built).
 */
export type VisitorErrorKind =
  | 'auth'
  | 'rejected'
  | 'notFound'
  | 'conflict'
  | 'preconditionFailed'
  /** 429: Visitor asks us to slow down. Never a reason to give up on a user. */
  | 'throttled'
  | 'transient'
  | 'other';

/** The kind of a Visitor SCIM error; null for anything that is not one (a bug, a database error). */
export function visitorErrorKind(err: unknown): VisitorErrorKind | null {
  if (!(err instanceof VisitorScimError)) return null;
  if (err instanceof VisitorAuthError) return 'auth';
  if (err instanceof VisitorRejectedError) return 'rejected';
  if (err instanceof VisitorNotFoundError) return 'notFound';
  if (err instanceof VisitorConflictError) return 'conflict';
  if (err instanceof VisitorPreconditionFailedError) return 'preconditionFailed';
  if (err instanceof VisitorRateLimitedError) return 'throttled';
  if (err.retryable) return 'transient';
  return 'other';
}
