// One pending deletion decision: the deletions the guard held (from any run, bulk or per-user) wait
// here, never in a sync run, for an operator's approve or reject — or expire as rejected. Approved,
// the held deletions still valid against Engage are applied in batches.
import {
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { PAGE_ACTIVITY, SHORT_ACTIVITY } from './activity-options';
import { decideDeletionsUpdate, decisionStatusQuery } from './messages';
import { decisionDetails } from './run-details';
import { RUN_KIND, RUN_STATUS, TENANT } from './search-attributes';
import { ensureDeletionDecision } from './start-decision';
import type { DeletionDecision, DeletionDecisionInput, DeletionDecisionResult } from './types';

const short = proxyActivities<SyncActivities>(SHORT_ACTIVITY);
const paged = proxyActivities<SyncActivities>(PAGE_ACTIVITY);

const BATCH = 200;
/** Continue as new well before Temporal's 10k-event warning while applying a large batch. */
const MAX_HISTORY_EVENTS = 4_000;

export async function deletionDecisionWorkflow(
  input: DeletionDecisionInput,
): Promise<DeletionDecisionResult> {
  const { decisionId, expiresAtMs } = input;
  const held = input.held ?? 0;
  let remaining = held;
  let decision: DeletionDecision | undefined = input.approvedBy
    ? { approve: true, by: input.approvedBy }
    : undefined;
  let state: 'waiting' | 'applying' | 'done' = decision ? 'applying' : 'waiting';
  let applied = input.applied ?? 0;
  let stale = input.stale ?? 0;

  let approvedAtMs = 0;
  // The UI's details (no history event): counts, the deadline and the commands that answer.
  const tenant = workflowInfo().typedSearchAttributes.get(TENANT);
  const details = (outcome?: string) =>
    setCurrentDetails(
      decisionDetails({ decisionId, state, held: remaining, expiresAtMs, applied, stale, outcome, tenant }),
    );
  details();
  setHandler(decisionStatusQuery, () => ({
    decisionId,
    state,
    held: remaining,
    expiresAtMs,
    applied,
    stale,
  }));
  setHandler(
    decideDeletionsUpdate,
    (d: DeletionDecision) => {
      decision = d;
      approvedAtMs = Date.now();
      return { accepted: true, pending: held };
    },
    {
      validator: (_d: DeletionDecision) => {
        if (decision)
          throw new Error(
            `the deletions were already ${decision.approve ? 'approved' : 'rejected'} by ${decision.by}`,
          );
        if (state !== 'waiting' || Date.now() >= expiresAtMs)
          throw new Error(`deletion decision ${decisionId} is no longer pending (it expired)`);
      },
    },
  );

  if (state === 'waiting') {
    upsertSearchAttributes([
      { key: RUN_KIND, value: 'deletion-decision' },
      { key: RUN_STATUS, value: 'awaiting-approval' },
    ]);
    upsertMemo({ decisionId, held, expiresAt: new Date(expiresAtMs).toISOString() });
    const waitMs = expiresAtMs - Date.now();
    if (waitMs > 0) await condition(() => decision !== undefined, waitMs);
  }

  const close = async (status: 'approved' | 'rejected' | 'expired', by: string) => {
    const { dropped } = await short.closeDeletionDecision({ decisionId, status, by });
    state = 'done';
    details(`${status} by ${by}`);
    upsertSearchAttributes([{ key: RUN_STATUS, value: status }]);
    upsertMemo({ outcome: `${status} by ${by}`, applied, stale, dropped });
    return { decisionId, status, applied, stale, dropped };
  };

  if (!decision) return close('expired', 'expiry');
  if (!decision.approve) return close('rejected', decision.by);

  if (!input.approvedBy) {
    // Held from now on: not what the operator approved; they wait for a decision of their own.
    const begun = await short.beginApplyingDecision({ decisionId, by: decision.by, approvedAtMs });
    if (begun.successor) await ensureDeletionDecision(begun.successor);
  }
  state = 'applying';
  details();
  upsertSearchAttributes([{ key: RUN_STATUS, value: 'applying' }]);
  for (;;) {
    const r = await paged.applyHeldDeletions({ decisionId, limit: BATCH });
    applied += r.applied;
    stale += r.stale;
    remaining = r.remaining;
    details();
    if (r.remaining === 0) break;
    if (workflowInfo().historyLength > MAX_HISTORY_EVENTS || workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof deletionDecisionWorkflow>({
        decisionId,
        expiresAtMs,
        approvedBy: decision.by,
        applied,
        stale,
        held: remaining,
      });
  }
  return close('approved', decision.by);
}
