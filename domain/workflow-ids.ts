// Workflow ids the engine asks Temporal about, without importing workflows/ (workflows/ids.ts names
// the same ids for the workflows and the CLIs).

/** The workflow holding a run's delayed invitations (started by the run). */
export const invitationsWorkflowId = (runId: string) => `invitations-${runId}`;

/** The workflow of a deletion decision: its id and random key (ids count per sync database). */
export const deletionDecisionWorkflowId = (decisionId: number, key: string) =>
  `deletion-decision-${decisionId}-${key}`;

/**
 * The task queue of a run's page activities, beside the workflows' own: each worker serves a few
 * pages at once, so pages in flight grow with the workers, and a page never takes the slot a
 * per-user activity needs.
 */
export const pageTaskQueue = (taskQueue: string) => `${taskQueue}-pages`;

/** The activity header naming a run's tenant (its id as a payload): workflows/tenant-interceptors.ts. */
export const TENANT_HEADER = 'evs-tenant';
