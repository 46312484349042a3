// Makes sure the pending deletion decision has its workflow: started by the first run (or approval)
// that needs it; one already running, or already completed, is left alone.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { deletionDecisionWorkflow } from './deletion-decision';

export interface DecisionRef {
  id: number;
  workflowId: string;
  expiresAtMs: number;
  held: number;
}

/**
 * Starts the decision's workflow; it outlives its starter (ABANDON). A completed one is never started
 * again (its decision is closed); one that failed or was terminated is, so a pending decision always
 * has a workflow to answer and to expire it. Returns its id.
 */
export async function ensureDeletionDecision(ref: DecisionRef): Promise<string> {
  const { workflowId } = ref;
  try {
    await startChild<typeof deletionDecisionWorkflow>('deletionDecisionWorkflow', {
      workflowId,
      args: [{ decisionId: ref.id, expiresAtMs: ref.expiresAtMs, held: ref.held }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}
