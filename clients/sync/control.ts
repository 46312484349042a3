// `approve`, `reject`, `stop`: operator decisions sent to a running bulk run.
import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { decideDeletionsUpdate, stopRunSignal } from '../../workflows/messages';
import { RUN_STATUS } from '../../workflows/search-attributes';
import type { DeletionDecision } from '../../workflows/types';
import { type CommandSpec, runIdArg, stringFlag } from '../args';
import type { Command } from '../command';
import { type CliContext, CliError, slowAnswerHint } from '../context';
import { table } from '../format';
import { pendingDeletions } from '../runs';

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
  const status = desc.status.name;
  if (status !== 'RUNNING') throw new CliError(`run ${workflowId} is ${status.toLowerCase()}: ${what}`);
  return desc;
}

function decisionCommand(approve: boolean): Command {
  const verb = approve ? 'approve' : 'reject';
  const spec: CommandSpec = {
    name: verb,
    summary: approve
      ? 'Approve the deletions a run holds back because they exceed the safety threshold; they are applied.'
      : 'Reject the deletions a run holds back; nobody is deleted and the run completes.',
    positionals: runIdPositional,
    flags: { note: { type: 'string', value: 'text', description: 'why, recorded with the decision' } },
    details: 'Lists the held deletions first (count and the first 20).',
  };
  return {
    spec,
    async run(p, getCtx) {
      const runId = runIdArg(p.positionals[0]!);
      const note = stringFlag(p, 'note');
      const ctx = getCtx();
      const client = await ctx.temporal();
      const desc = await requireRunning(ctx, client, runId, 'there is no deletion decision to make');
      // The run publishes its state as a search attribute, readable even when no worker is up.
      const runStatus = desc.typedSearchAttributes.get(RUN_STATUS);
      if (runStatus !== undefined && runStatus !== 'awaiting-approval')
        throw new CliError(`run ${runId} is not waiting for a deletion decision (it is ${runStatus})`);
      const held = await pendingDeletions(ctx.db(), runId, SHOWN);
      console.log(`Run ${runId} holds ${held.total} deletion${held.total === 1 ? '' : 's'}:`);
      if (held.rows.length > 0) {
        console.log(
          table(held.rows, [
            { header: 'engage id', value: (r) => String(r.engage_user_id), align: 'right' },
            { header: 'visitor id', value: (r) => r.visitor_user_id },
            { header: 'mode', value: (r) => r.mode },
            { header: 'reason', value: (r) => r.reason, max: 80 },
          ]),
        );
        if (held.total > held.rows.length) console.log(`… and ${held.total - held.rows.length} more`);
      }
      const decision: DeletionDecision = { approve, by: ctx.actor, ...(note ? { note } : {}) };
      let answer: { accepted: boolean; pending: number };
      const answered = slowAnswerHint(ctx);
      try {
        answer = await client.workflow
          .getHandle(runId)
          .executeUpdate(decideDeletionsUpdate, { args: [decision] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError)
          throw new CliError(`run ${runId} refused the decision: ${err.cause?.message ?? err.message}`);
        throw err;
      } finally {
        answered();
      }
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
