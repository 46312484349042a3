// What each kind of plan comes to for a user: the outcome a run counts and the log records.
import type { UserPlan } from './plan-user';
import type { Outcome } from './run-types';

export const PLAN_OUTCOME: Record<UserPlan['kind'], Outcome> = {
  create: 'created',
  update: 'updated',
  reactivate: 'reactivated',
  delete: 'deleted',
  deactivate: 'deactivated',
  skip: 'skipped',
  fail: 'failed',
};
