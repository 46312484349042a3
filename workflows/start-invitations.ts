// Starts a run's invitations workflow, from the run itself or from a per-user provisioning.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { invitationsWorkflow } from './invitations';
import type { InvitationsInput } from './types';

/**
 * Starts the run's invitations workflow; it outlives the run (ABANDON). Already started (a retried
 * or continued run) is fine: it is the same batch.
 */
export async function startInvitations(workflowId: string, input: InvitationsInput): Promise<void> {
  try {
    await startChild(invitationsWorkflow, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
