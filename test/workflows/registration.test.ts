// What the workers register and how activities are retried: the production index has only the sync's
// workflows (the stack check is test support), and every activity keeps its retry policy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActivityOptions } from '@temporalio/workflow';
import { FAILURE_TYPES, NON_RETRYABLE_FAILURE_TYPES } from '../../domain/failure-types';
import { INVITATION_PAGE_ACTIVITY, PAGE_ACTIVITY, SHORT_ACTIVITY } from '../../workflows/activity-options';

const SYNC_WORKFLOWS = [
  'deletionDecisionWorkflow',
  'invitationsWorkflow',
  'provisionUserWorkflow',
  'syncRunWorkflow',
];

for (const [name, index, expected] of [
  [
    'the production worker registers the sync workflows and nothing else',
    () => import('../../workflows'),
    SYNC_WORKFLOWS,
  ],
  [
    'the test index adds the stack check to the production workflows',
    () => import('../support/workflows'),
    [
      'deletionDecisionWorkflow',
      'invitationsWorkflow',
      'provisionUserWorkflow',
      'stackCheckWorkflow',
      'syncRunWorkflow',
    ],
  ],
] as const) {
  test(name, async () => {
    assert.deepEqual(Object.keys(await index()).sort(), expected);
  });
}

/**
 * An activity's options as one row: [start-to-close, heartbeat, first retry interval, longest
 * interval, the failure types never retried]. Any other option, or retry setting, fails the test.
 */
function policy(o: ActivityOptions) {
  const { startToCloseTimeout, heartbeatTimeout = 'none', retry = {}, ...otherOptions } = o;
  const { initialInterval, maximumInterval, nonRetryableErrorTypes, ...otherRetry } = retry;
  assert.deepEqual(otherOptions, {});
  assert.deepEqual(otherRetry, {});
  assert.equal('heartbeatTimeout' in o, heartbeatTimeout !== 'none', 'a heartbeat timeout is set or absent');
  return [startToCloseTimeout, heartbeatTimeout, initialInterval, maximumInterval, nonRetryableErrorTypes];
}

test('activities stop retrying on the failures no retry can cure', () => {
  assert.deepEqual(NON_RETRYABLE_FAILURE_TYPES, ['VisitorAuthError', 'ConfigError']);
  assert.deepEqual(
    {
      short: policy(SHORT_ACTIVITY),
      page: policy(PAGE_ACTIVITY),
      invitationPage: policy(INVITATION_PAGE_ACTIVITY),
    },
    {
      short: ['2m', 'none', '1s', '30s', NON_RETRYABLE_FAILURE_TYPES],
      page: ['15m', '60s', '1s', '60s', NON_RETRYABLE_FAILURE_TYPES],
      invitationPage: ['10m', '60s', '1s', '60s', [FAILURE_TYPES.visitorAuth]],
    },
  );
});
