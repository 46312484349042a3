// `approve`, `reject`, `stop`: operator decisions sent to a running bulk run.
import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { deletionDecisionWorkflowId } from '../../workflows/ids';
import { decideDeletionsUpdate, stopRunSignal } from '../../workflows/messages';
import { RUN_STATUS, TENANT } from '../../workflows/search-attributes';
import type { DeletionDecision } from '../../workflows/types';
import { type CommandSpec, runIdArg, stringFlag } from '../args';
import type { Command } from '../command';
import { type CliContext, CliError, slowAnswerHint } from '../context';
import { table } from '../format';
import { deletionDecision, heldDeletions, type PendingDeletionRow, pendingDeletions } from '../runs';

const SHOWN = 20;

const runIdPositional = [{ name: 'runId', required: true, description: 'the run (its workflow id)' }];

/** Fails with a clear sentence unless the workflow exists and is running; returns its description. */
export async function requireRunning(ctx: CliContext, client: Client, workflowId: string, what: string) {
  let desc: WorkflowExecutionDescription;
  try {
    desc = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new CliError(`no run ${workflowId} in namespace ${ctx.config.temporal.namespace}`);
    throw err;
  }
  const owner = desc.typedSearchAttributes.get(TENANT);
  if (owner !== ctx.tenant?.id)
    throw new CliError(
      `run ${workflowId} is ${owner ? `tenant ${owner}'s: add --tenant ${owner}` : "the configured company's: leave out --tenant"}`,
    );
  const status = desc.status.name;
  if (status !== 'RUNNING') throw new CliError(`run ${workflowId} is ${status.toLowerCase()}: ${what}`);
  return desc;
}

function heldTable(rows: PendingDeletionRow[], total: number): void {
  if (rows.length === 0) return;
  console.log(
    table(rows, [
      { header: 'engage id', value: (r) => String(r.engage_user_id), align: 'right' },
      { header: 'visitor id', value: (r) => r.visitor_user_id },
      { header: 'mode', value: (r) => r.mode },
      { header: 'reason', value: (r) => r.reason, max: 80 },
    ]),
  );
  if (total > rows.length) console.log(`… and ${total - rows.length} more`);
}

async function sendDecision(ctx: CliContext, client: Client, workflowId: string, decision: DeletionDecision) {
  const answered = slowAnswerHint(ctx);
  try {
    return await client.workflow
      .getHandle(workflowId)
      .executeUpdate(decideDeletionsUpdate, { args: [decision] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new CliError(`${workflowId} refused the decision: ${err.cause?.message ?? err.message}`);
    throw err;
  } finally {
    answered();
  }
}

/** The pending deletion decision: what it holds, then the operator's answer to its workflow. */
async function decidePending(ctx: CliContext, client: Client, decision: DeletionDecision): Promise<number> {
  const d = await deletionDecision(ctx.db());
  if (d?.status !== 'pending')
    throw new CliError(
      d
        ? `no deletion decision is pending (the last one, ${d.id}, was ${d.status})`
        : 'no deletion decision is pending',
    );
  if (d.expires_at.getTime() <= Date.now())
    throw new CliError(
      `deletion decision ${d.id} expired at ${d.expires_at.toISOString()}: its deletions are dropped`,
    );
  const workflowId = ctx.workflowId(deletionDecisionWorkflowId(d.id, d.workflow_key));
  await requireRunning(ctx, client, workflowId, 'there is no deletion decision to make');
  console.log(
    `Deletion decision ${d.id} holds ${d.held} deletion${d.held === 1 ? '' : 's'} (expires ${d.expires_at.toISOString()}):`,
  );
  console.log(`  ${d.reason}`);
  heldTable(await heldDeletions(ctx.db(), d.id, SHOWN), d.held);
  const answer = await sendDecision(ctx, client, workflowId, decision);
  console.log(
    `${decision.approve ? 'Approved' : 'Rejected'} ${answer.pending} held deletion${answer.pending === 1 ? '' : 's'} as ${ctx.actor}. ` +
      (decision.approve
        ? `Those still gone from Engage are being deleted: npm run sync -- status`
        : 'Nobody is deleted; a later run holds them again if they are still gone.'),
  );
  return 0;
}

function decisionCommand(approve: boolean): Command {
  const verb = approve ? 'approve' : 'reject';
  const spec: CommandSpec = {
    name: verb,
    summary: approve
      ? 'Approve the deletions held past the deletion budget; those still gone from Engage are deleted.'
      : 'Reject the deletions held past the deletion budget; nobody is deleted.',
    positionals: [
      {
        name: 'runId',
        required: false,
        description: 'only for a run started before the deletion guard that waits itself (its workflow id)',
      },
    ],
    flags: { note: { type: 'string', value: 'text', description: 'why, recorded with the decision' } },
    details:
      'Answers the pending deletion decision (see `status`), listing the held deletions first (count and the first 20). A decision left unanswered expires as rejected (SYNC_DELETION_DECISION_TTL, 7 days).',
  };
  return {
    spec,
    async run(p, getCtx) {
      const given = p.positionals[0];
      const runId = given === undefined ? undefined : runIdArg(given);
      const note = stringFlag(p, 'note');
      const ctx = getCtx();
      const client = await ctx.temporal();
      const decision: DeletionDecision = { approve, by: ctx.actor, ...(note ? { note } : {}) };
      if (runId === undefined) return decidePending(ctx, client, decision);
      const desc = await requireRunning(ctx, client, runId, 'there is no deletion decision to make');
      // The run publishes its state as a search attribute, readable even when no worker is up.
      const runStatus = desc.typedSearchAttributes.get(RUN_STATUS);
      if (runStatus !== undefined && runStatus !== 'awaiting-approval')
        throw new CliError(`run ${runId} is not waiting for a deletion decision (it is ${runStatus})`);
      const held = await pendingDeletions(ctx.db(), runId, SHOWN);
      console.log(`Run ${runId} holds ${held.total} deletion${held.total === 1 ? '' : 's'}:`);
      heldTable(held.rows, held.total);
      const answer = await sendDecision(ctx, client, runId, decision);
      console.log(
        `${approve ? 'Approved' : 'Rejected'} ${answer.pending} held deletion${answer.pending === 1 ? '' : 's'} as ${ctx.actor}. ` +
          `The run continues: npm run sync -- watch ${runId}`,
      );
      return 0;
    },
  };
}

export const approveCommand = decisionCommand(true);
export const rejectCommand = decisionCommand(false);

export const stopCommand: Command = {
  spec: {
    name: 'stop',
    summary:
      'Ask a run to stop: pages in flight finish, nothing is left half-done, held deletions are not applied; it ends as "stopped".',
    positionals: runIdPositional,
    flags: { reason: { type: 'string', value: 'text', description: 'why, recorded on the run' } },
  },
  async run(p, getCtx) {
    const runId = runIdArg(p.positionals[0]!);
    const reason = stringFlag(p, 'reason');
    const ctx = getCtx();
    const client = await ctx.temporal();
    await requireRunning(ctx, client, runId, 'nothing to stop');
    await client.workflow
      .getHandle(runId)
      .signal(stopRunSignal, { by: ctx.actor, ...(reason ? { reason } : {}) });
    console.log(`Stop requested for ${runId}. Watch it wind down: npm run sync -- watch ${runId}`);
    return 0;
  },
};
