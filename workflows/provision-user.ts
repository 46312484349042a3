// Brings one Engage user into line in Visitor now. One workflow per user id (`provision-user-<id>`):
// changes arriving while it runs are coalesced into one more pass instead of racing each other, and
// none is dropped: before completing, the workflow drains — a change that arrived since the last pass
// began gets another pass, in this execution or, past MAX_PASSES, in one continued as new.
//
// Determinism: recorded histories (test/fixtures/histories/provision-user*.json) replay against this
// file. Every activity, child workflow, upsert, continue-as-new and patched() call must stay in the
// order it has.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync';
import { SHORT_ACTIVITY } from './activity-options';
import { invitationsWorkflowId } from './ids';
import { userChangedSignal } from './messages';
import { userRunDetails } from './run-details';
import { ENGAGE_USER_ID, RUN_KIND, RUN_STATUS, STARTED_BY, TENANT } from './search-attributes';
import { ensureDeletionDecision } from './start-decision';
import { startInvitations } from './start-invitations';
import type { Outcome, ProvisionUserInput, ProvisionUserResult } from './types';

/** Passes one execution runs; a change still pending then continues as new (history stays small). */
const MAX_PASSES = 20;

/**
 * Versioned: the execution drains before it completes — a change that arrived while the invitations
 * child was starting, or past MAX_PASSES, gets another pass (continuing as new past the cap).
 * Histories recorded before 'provision-user-drain' completed after the loop whatever had arrived.
 */
const DRAIN_PATCH = 'provision-user-drain';

/** Versioned: a per-user deletion held past the deletion budget starts (or updates) its decision. */
const DELETION_GUARD_PATCH = 'per-user-deletion-guard';

/**
 * Versioned: an execution that continues as new closes with EvsRunStatus 'continued-as-new' (before
 * it, closed executions kept 'running').
 */
const STATUS_PATCH = 'status-across-continue-as-new';

/** Versioned: a run id joins the workflow id and the Temporal run id with '-' (before it, '@'). */
const RUN_ID_PATCH = 'user-run-id-format';

const acts = proxyActivities<SyncActivities>(SHORT_ACTIVITY);

export async function provisionUserWorkflow(input: ProvisionUserInput): Promise<ProvisionUserResult> {
  // A run's id is its workflow id and the first 8 characters of Temporal's run id: one execution of
  // the user's workflow. Before RUN_ID_PATCH they were joined by '@', which links must escape.
  const { workflowId, runId: temporalRunId } = workflowInfo();
  const runId = `${workflowId}${patched(RUN_ID_PATCH) ? '-' : '@'}${temporalRunId.slice(0, 8)}`;
  // A start is a change to provision (signal-with-start, the CLI); so is a continued execution's carried
  // `changePending`, the change that arrived past the previous execution's cap.
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
  let unknownUser = false;
  // The UI's details (no history event): ids, passes and the outcome only.
  const tenant = workflowInfo().typedSearchAttributes.get(TENANT);
  const details = (ended = false) =>
    setCurrentDetails(
      userRunDetails({
        engageUserId: input.engageUserId,
        passes,
        ...(passes > 0 ? { outcome } : {}),
        ended,
        tenant,
      }),
    );
  details();
  // Bounded: a burst of signals collapses into at most one extra pass each time round.
  const syncWhileChanged = async () => {
    while (pendingChange && passes < MAX_PASSES) {
      pendingChange = false;
      passes++;
      // startedBy is only in the activity's input, which replay does not compare: no patch needed.
      const r = await acts.syncSingleUser({
        runId,
        engageUserId: input.engageUserId,
        dryRun: input.dryRun ?? false,
        startedBy: input.startedBy,
        workflowId,
      });
      outcome = r.outcome;
      unknownUser = r.unknownUser === true;
      details();
      invitationDueAtMs = r.invitationDueAtMs ?? invitationDueAtMs;
      // The deletion past the budget is held: its decision's workflow must run. Only activities that
      // know the deletion guard return this, so older histories never reach the marker.
      if (r.deletionHeld && patched(DELETION_GUARD_PATCH)) await ensureDeletionDecision(r.deletionHeld);
    }
  };
  const finish = (): ProvisionUserResult => {
    upsertSearchAttributes([{ key: RUN_STATUS, value: outcome === 'failed' ? 'failed' : 'completed' }]);
    details(true);
    return {
      engageUserId: input.engageUserId,
      runId,
      outcome,
      passes,
      ...(unknownUser ? { unknownUser: true as const } : {}),
    };
  };

  await syncWhileChanged();
  if (!patched(DRAIN_PATCH)) {
    // Histories recorded before the drain: a change arriving from here on was dropped.
    if (invitationDueAtMs !== null) {
      await startInvitations(invitationsWorkflowId(runId), { runId, dueAtMs: invitationDueAtMs });
    }
    return finish();
  }
  for (;;) {
    // The invitations due since the last start: the child (one per execution) sends the run's batch;
    // one already started is the same batch.
    if (invitationDueAtMs !== null) {
      const dueAtMs: number = invitationDueAtMs;
      invitationDueAtMs = null;
      await startInvitations(invitationsWorkflowId(runId), { runId, dueAtMs });
    }
    await condition(allHandlersFinished);
    if (!pendingChange) return finish();
    if (passes >= MAX_PASSES) {
      if (patched(STATUS_PATCH)) upsertSearchAttributes([{ key: RUN_STATUS, value: 'continued-as-new' }]);
      // Ids and flags only: the continued execution reads the user afresh.
      await continueAsNew<typeof provisionUserWorkflow>({
        engageUserId: input.engageUserId,
        startedBy: input.startedBy,
        ...(input.dryRun ? { dryRun: true } : {}),
        changePending: true,
      });
    }
    await syncWhileChanged();
  }
}
