// Custom search attributes: how an operator finds a run in the Temporal UI.
// Registered on the local dev server by the stack; on a real cluster with
// `temporal operator search-attribute create` (see README).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const RUN_KIND = defineSearchAttributeKey('EvsRunKind', SearchAttributeType.KEYWORD);
export const RUN_STATUS = defineSearchAttributeKey('EvsRunStatus', SearchAttributeType.KEYWORD);
export const STARTED_BY = defineSearchAttributeKey('EvsStartedBy', SearchAttributeType.KEYWORD);
export const DRY_RUN = defineSearchAttributeKey('EvsDryRun', SearchAttributeType.BOOL);
export const ENGAGE_USER_ID = defineSearchAttributeKey('EvsEngageUserId', SearchAttributeType.KEYWORD);
export const FAILED_USERS = defineSearchAttributeKey('EvsFailedUsers', SearchAttributeType.INT);
/** The company a run belongs to (a tenant id); absent on the environment-configured single company's. */
export const TENANT = defineSearchAttributeKey('EvsTenant', SearchAttributeType.KEYWORD);

/** name → type as the Temporal CLI spells it, for registration. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Bool' | 'Int'> = {
  EvsRunKind: 'Keyword',
  EvsRunStatus: 'Keyword',
  EvsStartedBy: 'Keyword',
  EvsDryRun: 'Bool',
  EvsEngageUserId: 'Keyword',
  EvsFailedUsers: 'Int',
  EvsTenant: 'Keyword',
};
