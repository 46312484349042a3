// Whether a workflow still runs, as the engine's run lock asks it (engine/runs.ts): only a workflow
// Temporal does not know is gone; any other error (network, permissions) must not free a lock a live
// run may hold, so it is thrown (the activity retries).
import { type Client, WorkflowNotFoundError } from '@temporalio/client';

export function workflowProbe(client: Client): (workflowId: string) => Promise<boolean> {
  return async (workflowId) => {
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      return d.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}
