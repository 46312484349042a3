/**
 * Turns the engine's errors into Temporal ApplicationFailures so activity retries do the right
 * thing: configuration and per-user problems stop at once, transient ones retry — after the
 * server's Retry-After when it gave one. A PostgreSQL error no retry can cure (a missing table or
 * schema, a missing privilege, refused credentials: db/error-kind.ts) is a configuration problem too.
 */
import { ApplicationFailure } from '@temporalio/common';
import { dbConfigProblem } from '../db/error-kind';
import { FAILURE_TYPES } from '../domain/failure-types';
import { EngineConfigError } from '../engine/errors';
import { retryAfterOf, type VisitorErrorKind, type VisitorScimError, visitorErrorKind } from '../scim/errors';

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

/** Kinds no retry of the same call can cure, and the failure type each is raised as. */
const NON_RETRYABLE: Partial<Record<VisitorErrorKind, string>> = {
  auth: FAILURE_TYPES.visitorAuth,
  rejected: FAILURE_TYPES.visitorRejected,
  notFound: FAILURE_TYPES.visitorNotFound,
  conflict: FAILURE_TYPES.visitorConflict,
  // The workflow re-reads and re-plans; retrying the same stale write cannot succeed.
  preconditionFailed: FAILURE_TYPES.visitorPreconditionFailed,
};

/**
 * Maps an error thrown by the engine to what an activity should throw. Errors that are neither
 * Visitor SCIM errors, engine configuration errors nor incurable PostgreSQL errors are returned
 * unchanged (Temporal's default handling applies: retried).
 */
export function toActivityFailure(err: VisitorScimError | EngineConfigError): ApplicationFailure;
export function toActivityFailure(err: unknown): unknown;
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof EngineConfigError)
    return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.config);
  const db = dbConfigProblem(err);
  if (db)
    return ApplicationFailure.nonRetryable(db.message, FAILURE_TYPES.config, {
      sqlState: db.sqlState,
      condition: db.condition,
    });
  const kind = visitorErrorKind(err);
  if (kind === null) return err;
  const e = err as VisitorScimError;
  const type = NON_RETRYABLE[kind];
  if (type) return ApplicationFailure.nonRetryable(e.message, type, detailsOf(e));
  const retryAfterMs = retryAfterOf(e);
  return ApplicationFailure.create({
    message: e.message,
    type: e.name,
    nonRetryable: !e.retryable,
    details: [detailsOf(e)],
    ...(e.retryable && retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
  });
}
