// Brings one Engage user into line in Visitor now. One workflow per user id (`provision-user-<id>`):
// changes arriving while it runs are coalesced into one more pass instead of racing each other.
import { proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { SHORT_ACTIVITY } from './activity-options';
import { invitationsWorkflowId } from './ids';
import { userChangedSignal } from './messages';
import { ENGAGE_USER_ID, RUN_KIND, RUN_STATUS, STARTED_BY } from './search-attributes';
import { startInvitations } from './start-invitations';
import type { Outcome, ProvisionUserInput, ProvisionUserResult } from './types';

const acts = proxyActivities<SyncActivities>(SHORT_ACTIVITY);

export async function provisionUserWorkflow(input: ProvisionUserInput): Promise<ProvisionUserResult> {
  const runId =
    workflowInfo().workflowId + (workflowInfo().runId ? `@${workflowInfo().runId.slice(0, 8)}` : '');
  let pendingChange = true;
  setHandler(userChangedSignal, () => {
    pendingChange = true;
  });
  upsertSearchAttributes([
    { key: RUN_KIND, value: 'user' },
    { key: STARTED_BY, value: input.startedBy },
    { key: ENGAGE_USER_ID, value: String(input.engageUserId) },
    { key: RUN_STATUS, value: 'running' },
  ]);
  let outcome: Outcome = 'unchanged';
  let passes = 0;
  let invitationDueAtMs: number | null = null;
  // Bounded: a burst of signals collapses into at most one extra pass each time round.
  while (pendingChange && passes < 20) {
    pendingChange = false;
    passes++;
    const r = await acts.syncSingleUser({
      runId,
      engageUserId: input.engageUserId,
      dryRun: input.dryRun ?? false,
    });
    outcome = r.outcome;
    invitationDueAtMs = r.invitationDueAtMs ?? invitationDueAtMs;
  }
  if (invitationDueAtMs !== null) {
    await startInvitations(invitationsWorkflowId(runId), { runId, dueAtMs: invitationDueAtMs });
  }
  upsertSearchAttributes([{ key: RUN_STATUS, value: outcome === 'failed' ? 'failed' : 'completed' }]);
  return { engageUserId: input.engageUserId, runId, outcome, passes };
}
