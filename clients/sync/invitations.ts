// `invitations status|release|cancel <runId>`: the held "Join your team" e-mails of one run.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { invitationsWorkflow } from '../../workflows/invitations';
import {
  cancelInvitationsSignal,
  invitationsStatusQuery,
  releaseInvitationsSignal,
} from '../../workflows/messages';
import { runIdArg } from '../args';
import type { Command } from '../command';
import { CliError } from '../context';
import { formatTime } from '../format';
import { invitationsWorkflowId } from '../ids';
import { requireRunning } from './control';

const runIdPositional = [
  { name: 'runId', required: true, description: 'the run that created the users (its workflow id)' },
];

async function existing(client: Client, runId: string) {
  const id = invitationsWorkflowId(runId);
  try {
    const handle = client.workflow.getHandle<typeof invitationsWorkflow>(id);
    return { handle, desc: await handle.describe() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new CliError(
        `run ${runId} holds no invitations (no workflow ${id}): its users were invited at once, or it created none`,
      );
    throw err;
  }
}

export const invitationsStatusCommand: Command = {
  spec: {
    name: 'invitations status',
    summary:
      'Show the held invitations of a run: when they go out and how many were sent, skipped or cancelled.',
    positionals: runIdPositional,
  },
  async run(p, getCtx) {
    const runId = runIdArg(p.positionals[0]!);
    const ctx = getCtx();
    const { handle, desc } = await existing(await ctx.temporal(), runId);
    const link = ctx.link(handle.workflowId);
    if (desc.status.name !== 'RUNNING') {
      const result = await handle.result().catch((err: Error) => ({ error: err.message }));
      console.log(
        'error' in result
          ? `Invitations of ${runId}: ${desc.status.name.toLowerCase()} — ${result.error}`
          : `Invitations of ${runId}: ${result.status} — sent ${result.sent}, skipped ${result.skipped}, cancelled ${result.cancelled}`,
      );
    } else {
      const s = await handle.query(invitationsStatusQuery);
      const when =
        s.state === 'waiting'
          ? `, due ${formatTime(new Date(s.dueAtMs))}`
          : s.state === 'sending'
            ? ' now'
            : '';
      console.log(
        `Invitations of ${runId}: ${s.state}${when} — sent ${s.sent}, skipped ${s.skipped}, cancelled ${s.cancelled}`,
      );
      if (s.state === 'waiting') {
        console.log(
          `  send now: npm run sync -- invitations release ${runId}\n  never send: npm run sync -- invitations cancel ${runId}`,
        );
      }
    }
    console.log(`  Temporal UI: ${link}`);
    return 0;
  },
};

function signalCommand(kind: 'release' | 'cancel'): Command {
  return {
    spec: {
      name: `invitations ${kind}`,
      summary:
        kind === 'release'
          ? "Send a run's held invitations now instead of waiting for the delay."
          : "Cancel a run's held invitations: those users are never e-mailed by the sync.",
      positionals: runIdPositional,
    },
    async run(p, getCtx) {
      const runId = runIdArg(p.positionals[0]!);
      const ctx = getCtx();
      const client = await ctx.temporal();
      const { handle } = await existing(client, runId);
      await requireRunning(ctx, client, handle.workflowId, 'its invitations are already settled');
      await handle.signal(kind === 'release' ? releaseInvitationsSignal : cancelInvitationsSignal, {
        by: ctx.actor,
      });
      console.log(
        `${kind === 'release' ? 'Released' : 'Cancelled'} the held invitations of ${runId}. ` +
          `Check: npm run sync -- invitations status ${runId}`,
      );
      return 0;
    },
  };
}

export const invitationsReleaseCommand = signalCommand('release');
export const invitationsCancelCommand = signalCommand('cancel');
