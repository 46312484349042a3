// `invitations status|release|cancel <runId>`: the held "Join your team" e-mails of one run.
import { type Client, type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import type { invitationsWorkflow } from '../../workflows/invitations';
import {
  cancelInvitationsSignal,
  invitationsStatusQuery,
  releaseInvitationsSignal,
} from '../../workflows/messages';
import { runIdArg } from '../args';
import type { Command } from '../command';
import { CliError } from '../context';
import { formatDuration, formatTime } from '../format';
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
          : `Invitations of ${runId}: ${result.status} — sent ${result.sent}${result.status === 'cancelled' && result.sent > 0 ? ' before the cancel took effect' : ''}, skipped ${result.skipped}, cancelled ${result.cancelled}`,
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

/**
 * How long `invitations cancel` waits for the workflow to settle. A batch being sent stops between two
 * sends once its worker hears of the cancel, with the page's next heartbeat to Temporal (those go out
 * every 48 s at most: 0.8 × the page's 60 s heartbeat timeout).
 */
const CANCEL_WAIT_MS = 120_000;

const invitations = (n: number) => `${n} invitation${n === 1 ? '' : 's'}`;

/** Signals a run's invitations workflow, refused once its batch is settled. */
async function signalHeldBatch(
  p: Parameters<Command['run']>[0],
  getCtx: Parameters<Command['run']>[1],
  signal: typeof releaseInvitationsSignal | typeof cancelInvitationsSignal,
) {
  const runId = runIdArg(p.positionals[0]!);
  const ctx = getCtx();
  const client = await ctx.temporal();
  const { handle } = await existing(client, runId);
  await requireRunning(ctx, client, handle.workflowId, 'its invitations are already settled');
  await handle.signal(signal, { by: ctx.actor });
  return { runId, client, handle };
}

export const invitationsReleaseCommand: Command = {
  spec: {
    name: 'invitations release',
    summary: "Send a run's held invitations now instead of waiting for the delay.",
    positionals: runIdPositional,
  },
  async run(p, getCtx) {
    const { runId } = await signalHeldBatch(p, getCtx, releaseInvitationsSignal);
    console.log(
      `Released the held invitations of ${runId}. Check: npm run sync -- invitations status ${runId}`,
    );
    return 0;
  },
};

export const invitationsCancelCommand: Command = {
  spec: {
    name: 'invitations cancel',
    summary:
      "Cancel a run's held invitations: those not sent yet are never e-mailed by the sync, also when the batch is being sent.",
    positionals: runIdPositional,
    details:
      'A batch being sent stops between two sends once its worker hears of the cancel (within a minute); ' +
      `the command waits up to ${formatDuration(CANCEL_WAIT_MS)} for that and says how many were sent before.`,
  },
  async run(p, getCtx) {
    const { runId, client, handle } = await signalHeldBatch(p, getCtx, cancelInvitationsSignal);
    const check = `Check: npm run sync -- invitations status ${runId}`;
    const result = await settledWithin(client, handle, CANCEL_WAIT_MS);
    if (!result) {
      const s = await client
        .withAbortSignal(AbortSignal.timeout(10_000), () => handle.query(invitationsStatusQuery))
        .catch(() => undefined);
      console.log(
        `Cancel requested for the held invitations of ${runId}, not yet in effect` +
          `${s ? ` (${s.state}, ${invitations(s.sent)} sent so far)` : ''}: ` +
          `sending stops at the next send once the worker hears of it. ${check}`,
      );
      return 0;
    }
    if (result.status === 'sent')
      throw new CliError(
        `too late to cancel: the held invitations of ${runId} had all gone out (sent ${result.sent}, skipped ${result.skipped})`,
      );
    console.log(
      `Cancelled the held invitations of ${runId}: ${invitations(result.sent)} ${result.sent === 1 ? 'was' : 'were'} ` +
        `sent before the cancel took effect; ${result.cancelled} ${result.cancelled === 1 ? 'is' : 'are'} cancelled ` +
        `and will not be sent${result.skipped ? ` (${result.skipped} skipped)` : ''}. ${check}`,
    );
    return 0;
  },
};

/** The workflow's result, or undefined when it has not settled within `ms`. */
async function settledWithin(
  client: Client,
  handle: WorkflowHandle<typeof invitationsWorkflow>,
  ms: number,
): Promise<Awaited<ReturnType<typeof invitationsWorkflow>> | undefined> {
  const timeout = AbortSignal.timeout(ms);
  const slow = setTimeout(() => console.error('waiting for the invitations being sent to stop…'), 5_000);
  try {
    return await client.withAbortSignal(timeout, () => handle.result());
  } catch (err) {
    if (timeout.aborted) return undefined;
    throw new CliError(`the invitations workflow of ${handle.workflowId} failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(slow);
  }
}
