// Errors the engine raises itself. Activities map them to Temporal failures (activities/failures.ts);
// Visitor's own errors are classified by scim/errors.ts `visitorErrorKind`.
import { FAILURE_TYPES } from '../domain/failure-types';

/** A setup problem no retry can cure (e.g. Visitor has no default location): the run fails. */
export class EngineConfigError extends Error {
  override name = FAILURE_TYPES.config;
}

export const noDefaultLocation = () =>
  new EngineConfigError(
    'Visitor reports no default location: install the SCIM integration in a primary location',
  );

/** The run's company cannot run here (unknown, offboarded, its secrets cannot be opened): not worth a retry. */
export class TenantUnavailableError extends Error {
  override name = 'TenantUnavailableError';
}
