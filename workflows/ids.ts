// Workflow ids, in a module free of workflow code so client scripts can import it.

/** One per-user provisioning workflow per Engage user: starts are deduplicated by this id. */
export const provisionUserWorkflowId = (engageUserId: number) => `provision-user-${engageUserId}`;

export { deletionDecisionWorkflowId, invitationsWorkflowId, pageTaskQueue } from '../domain/workflow-ids';

/** The fresh dry run an apply of a reviewed plan checks that plan against (a child of the run). */
export const planCheckWorkflowId = (runId: string) => `${runId}-check`;
