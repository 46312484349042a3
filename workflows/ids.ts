// Workflow ids, in a module free of workflow code so client scripts can import it.

/** One per-user provisioning workflow per Engage user: starts are deduplicated by this id. */
export const provisionUserWorkflowId = (engageUserId: number) => `provision-user-${engageUserId}`;

/** The workflow holding a run's delayed invitations (started by the run). */
export const invitationsWorkflowId = (runId: string) => `invitations-${runId}`;

/**
 * The workflow of a pending deletion decision. Decision ids count per sync database, so the task
 * queue (one per deployment) keeps them apart in a shared namespace.
 */
export const deletionDecisionWorkflowId = (taskQueue: string, decisionId: number) =>
  `deletion-decision-${taskQueue}-${decisionId}`;
