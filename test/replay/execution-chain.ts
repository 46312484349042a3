// The recorded histories of a chain of executions that continue as new, first to last.
import { type RecordedHistory, showHistory } from './save-history';

/** The run id the history continued as new to, if it ends in WorkflowExecutionContinuedAsNew. */
function continuedAsNewTo(history: RecordedHistory): string | undefined {
  const last = history.events.at(-1) as
    | { workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string } }
    | undefined;
  return last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
}

/** The histories of `workflowId` from `firstRunId` along its continue-as-new chain. */
export function executionChain(workflowId: string, firstRunId: string): RecordedHistory[] {
  const chain: RecordedHistory[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history = showHistory(workflowId, runId);
    chain.push(history);
    runId = continuedAsNewTo(history);
  }
  return chain;
}
