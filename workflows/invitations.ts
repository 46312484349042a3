// Holds the delayed "Join your team" invitations of one run: a durable timer (it survives restarts),
// then sends in pages. Operators can release the batch early or cancel it. One workflow per run, not
// per user, so 100k new users cost one timer.
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { INVITATION_PAGE_ACTIVITY } from './activity-options';
import { cancelInvitationsSignal, invitationsStatusQuery, releaseInvitationsSignal } from './messages';
import type { InvitationsInput, InvitationsResult } from './types';

const acts = proxyActivities<SyncActivities>(INVITATION_PAGE_ACTIVITY);

export async function invitationsWorkflow(
  input: InvitationsInput & { sent?: number; skipped?: number; released?: boolean },
): Promise<InvitationsResult> {
  let state: 'waiting' | 'sending' | 'done' = input.released ? 'sending' : 'waiting';
  let released = input.released ?? false;
  let cancelled = false;
  let sent = input.sent ?? 0;
  let skipped = input.skipped ?? 0;
  let cancelledCount = 0;

  setHandler(releaseInvitationsSignal, () => {
    released = true;
  });
  setHandler(cancelInvitationsSignal, () => {
    cancelled = true;
  });
  setHandler(invitationsStatusQuery, () => ({ ...input, state, sent, skipped, cancelled: cancelledCount }));

  if (!released) {
    const waitMs = Math.max(0, input.dueAtMs - Date.now());
    await condition(() => released || cancelled, waitMs);
  }
  if (cancelled) {
    cancelledCount = (await acts.cancelPendingInvitations({ runId: input.runId })).cancelled;
    state = 'done';
    return { runId: input.runId, status: 'cancelled', sent, skipped, cancelled: cancelledCount };
  }
  state = 'sending';
  for (;;) {
    const page = await acts.sendPendingInvitations({ runId: input.runId, limit: 500 });
    sent += page.sent;
    skipped += page.skipped;
    if (page.remaining === 0) break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 4_000) {
      await continueAsNew<typeof invitationsWorkflow>({ ...input, sent, skipped, released: true });
    }
  }
  state = 'done';
  return { runId: input.runId, status: 'sent', sent, skipped, cancelled: 0 };
}
