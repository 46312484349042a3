// The smallest end-to-end proof of the stack: a workflow whose activity writes to PostgreSQL.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StackCheckActivities } from '../activities/stack-check';

const { recordStackCheck } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

export async function stackCheckWorkflow(): Promise<{ runsRecorded: number }> {
  const { workflowId } = workflowInfo();
  return { runsRecorded: await recordStackCheck(workflowId) };
}
