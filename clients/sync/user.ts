// `user <engageId|userName|e-mail>`: provision one user now and show each step the run logged.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { tenantFairness } from '../../domain/tenant-fairness';
import { userChangedSignal } from '../../workflows/messages';
import type { provisionUserWorkflow } from '../../workflows/provision-user';
import { runSummary } from '../../workflows/run-details';
import { ENGAGE_USER_ID, RUN_KIND, STARTED_BY } from '../../workflows/search-attributes';
import type { ProvisionUserInput } from '../../workflows/types';
import { boolFlag } from '../args';
import { type Command, utcStamp } from '../command';
import { type CliContext, CliError, refuseIfPaused, slowAnswerHint } from '../context';
import { userWorkflowId } from '../ids';
import { logTable } from '../log-table';
import { logEntries } from '../runs';
import { parseUserArg, resolveUser } from './resolve-user';

export const userCommand: Command = {
  spec: {
    name: 'user',
    summary: 'Provision one Engage user in Visitor now, wait for the result and print every step.',
    positionals: [
      { name: 'user', required: true, description: 'the Engage user id, or the user name or e-mail' },
    ],
    flags: {
      'dry-run': { type: 'boolean', description: 'show what would change without writing to Visitor' },
    },
    details:
      'A change already being applied to this user is joined, not raced: the running provisioning picks\n' +
      'this request up as one more pass. Exit code 1 when the user failed or is quarantined.',
  },
  async run(p, getCtx) {
    const who = parseUserArg(p.positionals[0]!);
    const dryRun = boolFlag(p, 'dry-run');
    const ctx = getCtx();
    const engageUserId = await resolveUser(ctx, who);
    const client = await ctx.temporal();
    const handle = await start(ctx, client, { engageUserId, startedBy: ctx.actor, dryRun });
    console.log(
      `Provisioning Engage user ${engageUserId}${dryRun ? ' (DRY RUN)' : ''} — ${handle.workflowId}\n  Temporal UI: ${ctx.link(handle.workflowId)}`,
    );
    const answered = slowAnswerHint(ctx, handle);
    const result = await handle.result().finally(answered);
    if (result.unknownUser)
      throw new CliError(
        `no Engage user ${engageUserId}: Engage has no such id and the sync never provisioned one (nothing was done)`,
      );
    const steps = await logEntries(ctx.db(), { runId: result.runId, user: String(engageUserId), limit: 100 });
    console.log(
      `Outcome: ${result.outcome}${result.passes > 1 ? ` after ${result.passes} passes (changes arrived meanwhile)` : ''}`,
    );
    if (steps.length > 0) console.log(logTable(steps.reverse(), { showUser: false, showRun: false }));
    else if (result.outcome === 'unchanged') console.log('  Visitor already matches Engage: nothing to do.');
    if (result.outcome === 'failed' || result.outcome === 'quarantined') {
      console.log(`  history of this user: npm run log -- --user ${engageUserId}`);
      return 1;
    }
    return 0;
  },
};

async function start(
  ctx: CliContext,
  client: Client,
  input: ProvisionUserInput,
): Promise<WorkflowHandle<typeof provisionUserWorkflow>> {
  refuseIfPaused(ctx);
  const base = {
    taskQueue: ctx.config.temporal.taskQueue,
    args: [input] as [ProvisionUserInput],
    typedSearchAttributes: [
      { key: RUN_KIND, value: 'user' },
      { key: STARTED_BY, value: input.startedBy },
      { key: ENGAGE_USER_ID, value: String(input.engageUserId) },
      ...ctx.tenantAttributes(),
    ],
    ...(ctx.tenant ? { priority: tenantFairness(ctx.tenant.id) } : {}),
    staticSummary: runSummary({
      kind: 'user',
      engageUserId: input.engageUserId,
      tenant: ctx.tenant?.id,
      dryRun: input.dryRun,
      startedBy: input.startedBy,
    }),
  };
  // A dry run gets its own id: joining a real provisioning would write, and a real change arriving
  // later must never be absorbed by a dry run holding the per-user id.
  if (input.dryRun) {
    return client.workflow.start<typeof provisionUserWorkflow>('provisionUserWorkflow', {
      ...base,
      workflowId: ctx.workflowId(`${userWorkflowId(input.engageUserId)}-dry-run-${utcStamp()}`),
    });
  }
  return client.workflow.signalWithStart<typeof provisionUserWorkflow, [{ source: string }]>(
    'provisionUserWorkflow',
    {
      ...base,
      workflowId: ctx.workflowId(userWorkflowId(input.engageUserId)),
      signal: userChangedSignal,
      signalArgs: [{ source: input.startedBy }],
    },
  );
}
