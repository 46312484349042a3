// The sweep for delayed invitations whose run is gone: a run cancelled or terminated (from the
// Temporal UI, say) before it started its invitations workflow leaves its users pending for ever.
// A bulk run, holding the run lock, hands such batches to itself so its own invitations workflow
// sends them, or cancels them when its policy sends no invitations.
import type { InvitationPolicy } from '../domain/run-types';
import { invitationsWorkflowId } from '../domain/workflow-ids';
import type { Engine } from './engine';
import { runEntry } from './log-entries';
import type { InvitationHolder } from './ports';

export interface AdoptOrphanedInvitationsInput {
  /** The current run: it receives the batches. */
  runId: string;
  /** The current run's invitation policy: 'disabled' cancels the batches instead. */
  invitations: InvitationPolicy;
  /** A dry run writes nothing: it adopts nothing either. */
  dryRun?: boolean;
}

export interface AdoptOrphanedInvitationsResult {
  adopted: number;
  cancelled: number;
  runs: { runId: string; invitations: number; outcome: 'adopted' | 'cancelled' }[];
}

/**
 * Idempotent: a batch moved or cancelled is no longer another run's pending batch. What one call did
 * is logged on the current run, one entry per batch.
 */
export async function adoptOrphanedInvitations(
  engine: Engine,
  { runId, invitations, dryRun = false }: AdoptOrphanedInvitationsInput,
): Promise<AdoptOrphanedInvitationsResult> {
  const result: AdoptOrphanedInvitationsResult = { adopted: 0, cancelled: 0, runs: [] };
  // Only a definite "not running" makes a batch an orphan: without a way to ask, none is.
  if (!engine.workflowIsRunning || dryRun) return result;
  const { store } = engine;
  for (const holder of await store.invitationHolders(runId)) {
    if (!(await isOrphaned(engine.workflowIsRunning, holder))) continue;
    const cancel = invitations.mode === 'disabled';
    const n = cancel
      ? await store.cancelInvitations(holder.runId)
      : await store.moveInvitations(holder.runId, runId);
    if (n === 0) continue;
    const outcome = cancel ? 'cancelled' : 'adopted';
    await store.log([
      runEntry(runId, 'invitations', outcome, {
        fromRun: holder.runId,
        fromStatus: holder.status,
        invitations: n,
      }),
    ]);
    if (cancel) result.cancelled += n;
    else result.adopted += n;
    result.runs.push({ runId: holder.runId, invitations: n, outcome });
  }
  return result;
}

/**
 * A batch is orphaned once its run's workflow no longer runs (it can no longer start the invitations
 * workflow; asked first, so that start cannot happen after the second question) and no invitations
 * workflow holds it (one that ended sent or cancelled all it held; a terminated one left them).
 */
async function isOrphaned(
  isRunning: (workflowId: string) => Promise<boolean>,
  holder: InvitationHolder,
): Promise<boolean> {
  if (holder.workflowId !== null && (await isRunning(holder.workflowId))) return false;
  return !(await isRunning(invitationsWorkflowId(holder.runId)));
}
