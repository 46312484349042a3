/**
 * Turns Visitor SCIM errors into Temporal ApplicationFailures so activity retries do the right
 * thing: configuration and per-user problems stop at once, transient ones retry — after the
 * server's Retry-After when it gave one.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  retryAfterOf,
  VisitorAuthError,
  VisitorConflictError,
  VisitorNotFoundError,
  VisitorPreconditionFailedError,
  VisitorRejectedError,
  VisitorScimError,
} from './errors';

/** Failure types, for RetryPolicy.nonRetryableErrorTypes and for workflow code that branches on them. */
export const VISITOR_FAILURE_TYPES = {
  auth: 'VisitorAuthError',
  rejected: 'VisitorRejected',
  notFound: 'VisitorNotFound',
  conflict: 'VisitorConflict',
  preconditionFailed: 'VisitorPreconditionFailed',
} as const;

export interface VisitorFailureDetails {
  scimType: string | undefined;
  detail: string | undefined;
  status: number | undefined;
  method: string;
  route: string;
}

function detailsOf(err: VisitorScimError): VisitorFailureDetails {
  return {
    scimType: err.scimType,
    detail: err.detail,
    status: err.status,
    method: err.method,
    route: err.route,
  };
}

/**
 * Maps an error thrown by the Visitor client to what an activity should throw. Errors that are
 * not Visitor SCIM errors are returned unchanged (Temporal's default handling applies).
 */
export function toActivityFailure(err: VisitorScimError): ApplicationFailure;
export function toActivityFailure(err: unknown): unknown;
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof VisitorScimError)) return err;
  if (err instanceof VisitorAuthError) {
    return ApplicationFailure.nonRetryable(err.message, VISITOR_FAILURE_TYPES.auth, detailsOf(err));
  }
  if (err instanceof VisitorRejectedError) {
    return ApplicationFailure.nonRetryable(err.message, VISITOR_FAILURE_TYPES.rejected, detailsOf(err));
  }
  if (err instanceof VisitorNotFoundError) {
    return ApplicationFailure.nonRetryable(err.message, VISITOR_FAILURE_TYPES.notFound, detailsOf(err));
  }
  if (err instanceof VisitorConflictError) {
    return ApplicationFailure.nonRetryable(err.message, VISITOR_FAILURE_TYPES.conflict, detailsOf(err));
  }
  if (err instanceof VisitorPreconditionFailedError) {
    // The workflow re-reads and re-plans; retrying the same stale write cannot succeed.
    return ApplicationFailure.nonRetryable(
      err.message,
      VISITOR_FAILURE_TYPES.preconditionFailed,
      detailsOf(err),
    );
  }
  const retryAfterMs = retryAfterOf(err);
  return ApplicationFailure.create({
    message: err.message,
    type: err.name,
    nonRetryable: !err.retryable,
    details: [detailsOf(err)],
    ...(err.retryable && retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
  });
}

/** Convenience for activities: `try { … } catch (e) { rethrowAsActivityFailure(e) }`. */
export function rethrowAsActivityFailure(err: unknown): never {
  throw toActivityFailure(err);
}
