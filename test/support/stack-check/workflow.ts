// The smallest end-to-end proof of the stack: a workflow whose activity writes to PostgreSQL. Test
// support only: the production worker does not register it (see test/support/workflows.ts).
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StackCheckActivities } from './activity';

const { recordStackCheck } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

export async function stackCheckWorkflow(): Promise<{ runsRecorded: number }> {
  const { workflowId } = workflowInfo();
  return { runsRecorded: await recordStackCheck(workflowId) };
}
