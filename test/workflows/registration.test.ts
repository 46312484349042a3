// What the workers register and how activities are retried: the production index has only the sync's
// workflows (the stack check is test support), and every activity keeps its retry policy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAILURE_TYPES, NON_RETRYABLE_FAILURE_TYPES } from '../../domain/failure-types';
import { INVITATION_PAGE_ACTIVITY, PAGE_ACTIVITY, SHORT_ACTIVITY } from '../../workflows/activity-options';

test('the production worker registers the sync workflows and nothing else', async () => {
  const production = await import('../../workflows');
  assert.deepEqual(Object.keys(production).sort(), [
    'invitationsWorkflow',
    'provisionUserWorkflow',
    'syncRunWorkflow',
  ]);
});

test('the test index adds the stack check to the production workflows', async () => {
  const testIndex = await import('../support/workflows');
  assert.deepEqual(Object.keys(testIndex).sort(), [
    'invitationsWorkflow',
    'provisionUserWorkflow',
    'stackCheckWorkflow',
    'syncRunWorkflow',
  ]);
});

test('activities stop retrying on the failures no retry can cure', () => {
  assert.deepEqual(NON_RETRYABLE_FAILURE_TYPES, ['VisitorAuthError', 'ConfigError']);
  assert.deepEqual(SHORT_ACTIVITY, {
    startToCloseTimeout: '2m',
    retry: {
      initialInterval: '1s',
      maximumInterval: '30s',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  assert.deepEqual(PAGE_ACTIVITY, {
    startToCloseTimeout: '15m',
    heartbeatTimeout: '60s',
    retry: {
      initialInterval: '1s',
      maximumInterval: '60s',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  assert.deepEqual(INVITATION_PAGE_ACTIVITY, {
    startToCloseTimeout: '10m',
    heartbeatTimeout: '60s',
    retry: {
      initialInterval: '1s',
      maximumInterval: '60s',
      nonRetryableErrorTypes: [FAILURE_TYPES.visitorAuth],
    },
  });
});
