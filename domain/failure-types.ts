// Names of the failures activities raise and workflows branch on (Temporal ApplicationFailure types).
// One list both sides import, so a retry policy never drifts from the error it is meant to stop.

export const FAILURE_TYPES = {
  /** Visitor refused our credentials: no retry can help, the run stops. */
  visitorAuth: 'VisitorAuthError',
  /** A setup problem (no default location in Visitor, bad configuration): fail, don't retry. */
  config: 'ConfigError',
  visitorRejected: 'VisitorRejected',
  visitorNotFound: 'VisitorNotFound',
  visitorConflict: 'VisitorConflict',
  visitorPreconditionFailed: 'VisitorPreconditionFailed',
} as const;

/** Failure types no activity retry can cure. */
export const NON_RETRYABLE_FAILURE_TYPES: string[] = [FAILURE_TYPES.visitorAuth, FAILURE_TYPES.config];
