// Holds the delayed "Join your team" invitations of one run: a durable timer (it survives restarts),
// then sends in pages. Operators can release the batch early or cancel it, also while it is being
// sent. One workflow per run, not per user, so 100k new users cost one timer.
import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { INVITATION_PAGE_ACTIVITY } from './activity-options';
import { cancelInvitationsSignal, invitationsStatusQuery, releaseInvitationsSignal } from './messages';
import { invitationsDetails } from './run-details';
import { TENANT } from './search-attributes';
import type { InvitationsInput, InvitationsResult } from './types';

const acts = proxyActivities<SyncActivities>(INVITATION_PAGE_ACTIVITY);
/**
 * A page the workflow may cancel: it waits for the activity to end rather than abandoning it, so a
 * page that stops between two sends (it hears of the cancel at its next heartbeat) returns what it
 * sent, and no send is still under way when the rest are cancelled.
 */
const cancellablePage = proxyActivities<SyncActivities>({
  ...INVITATION_PAGE_ACTIVITY,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * Since this patch a cancel that arrives while the batch is being sent is honoured: the page in
 * flight is cancelled (it stops between two sends), no further page starts, the rest are cancelled.
 * Histories from before it (sending went on to the end) replay unpatched.
 */
const CANCEL_WHILE_SENDING_PATCH = 'invitations-cancel-while-sending';

const PAGE = 500;

export async function invitationsWorkflow(
  input: InvitationsInput & { sent?: number; skipped?: number; released?: boolean },
): Promise<InvitationsResult> {
  let state: 'waiting' | 'sending' | 'done' = input.released ? 'sending' : 'waiting';
  let released = input.released ?? false;
  let cancelled = false;
  let sent = input.sent ?? 0;
  let skipped = input.skipped ?? 0;
  let cancelledCount = 0;
  let pageInFlight: CancellationScope | undefined;
  // The UI's details (no history event): when the batch goes, how many went, what to type.
  const tenant = workflowInfo().typedSearchAttributes.get(TENANT);
  const details = (cancelledNow?: number) =>
    setCurrentDetails(
      invitationsDetails({
        runId: input.runId,
        state,
        dueAtMs: input.dueAtMs,
        sent,
        skipped,
        ...(cancelledNow !== undefined ? { cancelled: cancelledNow } : {}),
        tenant,
      }),
    );
  details();

  setHandler(releaseInvitationsSignal, () => {
    released = true;
  });
  setHandler(cancelInvitationsSignal, () => {
    cancelled = true;
    pageInFlight?.cancel();
  });
  setHandler(invitationsStatusQuery, () => ({ ...input, state, sent, skipped, cancelled: cancelledCount }));

  const cancelRest = async (): Promise<InvitationsResult> => {
    cancelledCount = (await acts.cancelPendingInvitations({ runId: input.runId })).cancelled;
    state = 'done';
    details(cancelledCount);
    return { runId: input.runId, status: 'cancelled', sent, skipped, cancelled: cancelledCount };
  };

  if (!released) {
    const waitMs = Math.max(0, input.dueAtMs - Date.now());
    await condition(() => released || cancelled, waitMs);
  }
  if (cancelled) return cancelRest();
  state = 'sending';
  details();
  const honourCancel = patched(CANCEL_WHILE_SENDING_PATCH);
  for (;;) {
    let page: Page | undefined;
    if (honourCancel) {
      if (cancelled) return cancelRest();
      // Created synchronously, before the first await: a cancel signal always finds the page in flight.
      const scope = new CancellationScope();
      pageInFlight = scope;
      page = await sendPageCancellably(scope, input.runId, () => cancelled);
      pageInFlight = undefined;
    } else {
      page = await acts.sendPendingInvitations({ runId: input.runId, limit: PAGE });
    }
    if (page) {
      sent += page.sent;
      skipped += page.skipped;
      details();
      if (page.remaining === 0) break;
    }
    if (honourCancel && cancelled) return cancelRest();
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 4_000) {
      await continueAsNew<typeof invitationsWorkflow>({ ...input, sent, skipped, released: true });
    }
  }
  state = 'done';
  details();
  return { runId: input.runId, status: 'sent', sent, skipped, cancelled: 0 };
}

type Page = { sent: number; skipped: number; remaining: number };

/**
 * One page in a scope the cancel signal cancels. A page cancelled while sending returns what it sent
 * (runFenced returns the partial result, and the workflow waits for the activity to end, so that result
 * reaches it). Undefined when the page ended without a result once cancelled: cancelled before it
 * started (it sent nothing), or failed or timed out (it is not retried once cancelled; what that
 * attempt sent is recorded in the sync state but not counted here).
 */
async function sendPageCancellably(
  scope: CancellationScope,
  runId: string,
  cancelRequested: () => boolean,
): Promise<Page | undefined> {
  try {
    return await scope.run(() => cancellablePage.sendPendingInvitations({ runId, limit: PAGE }));
  } catch (err) {
    if (cancelRequested() && scope.consideredCancelled) return undefined;
    throw err;
  }
}
