// Makes sure the pending deletion decision has its workflow: started by the first run that holds
// deletions for it, told the new count by every later one.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { getExternalWorkflowHandle, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { deletionDecisionWorkflow } from './deletion-decision';
import { deletionsHeldSignal } from './messages';

export interface DecisionRef {
  id: number;
  workflowId: string;
  expiresAtMs: number;
  held: number;
}

/** Starts (or updates) the decision's workflow; it outlives the run (ABANDON). Returns its id. */
export async function ensureDeletionDecision(ref: DecisionRef): Promise<string> {
  const { workflowId } = ref;
  try {
    await startChild(deletionDecisionWorkflow, {
      workflowId,
      args: [{ decisionId: ref.id, expiresAtMs: ref.expiresAtMs, held: ref.held }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // Running already: tell it the new count. One that has just closed needs nothing.
    await getExternalWorkflowHandle(workflowId)
      .signal(deletionsHeldSignal, { held: ref.held })
      .catch(() => undefined);
  }
  return workflowId;
}
