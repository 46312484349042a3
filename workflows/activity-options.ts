// How long each kind of activity may take and how it is retried: one place for every workflow.
// An activity is retried with back-off until it succeeds, except for the failures no retry can cure
// (their type names come from domain/failure-types.ts, the list the activities raise them from).
import type { ActivityOptions } from '@temporalio/workflow';
import { FAILURE_TYPES, NON_RETRYABLE_FAILURE_TYPES } from '../domain/failure-types';

/** One SQL round trip or a few SCIM requests: starting and finishing a run, locations, one user. */
export const SHORT_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};

/**
 * Visitor's locations created or updated: heartbeating, so an attempt that stopped answering is
 * retried within a minute, and cancelled at its next heartbeat (it stops before its next write; the
 * retry waits for it: engine/attempt-fence.ts). Retried like SHORT_ACTIVITY.
 */
export const LOCATIONS_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '10m',
  heartbeatTimeout: '60s',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};

/** A page of users or deletions: minutes of SCIM work, heartbeating so a dead worker is noticed in a minute. */
export const PAGE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '15m',
  heartbeatTimeout: '60s',
  retry: {
    initialInterval: '1s',
    maximumInterval: '60s',
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  },
};

/**
 * A page of held invitations sent or cancelled. Only a refused token stops the retries: these
 * activities read no locations, so the config failure (Visitor has no default location) cannot arise.
 */
export const INVITATION_PAGE_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '10m',
  heartbeatTimeout: '60s',
  retry: {
    initialInterval: '1s',
    maximumInterval: '60s',
    nonRetryableErrorTypes: [FAILURE_TYPES.visitorAuth],
  },
};
