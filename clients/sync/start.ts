// `initial` and `daily`: start a bulk run (after checking no other one is going), then watch it.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tenantFairness } from '../../domain/tenant-fairness';
import { runSummary } from '../../workflows/run-details';
import { DRY_RUN, RUN_KIND, RUN_STATUS, STARTED_BY } from '../../workflows/search-attributes';
import type { syncRunWorkflow } from '../../workflows/sync-run';
import type { InvitationPolicy, SyncRunInput } from '../../workflows/types';
import {
  boolFlag,
  invitationsFlag,
  type ParsedCommand,
  positiveInt,
  runIdArg,
  stringFlag,
  UsageError,
} from '../args';
import { type Command, utcStamp } from '../command';
import { type CliContext, CliError, refuseIfPaused } from '../context';
import { formatTime } from '../format';
import { activeBulkRuns, runById } from '../runs';
import { isRunning, watchRun } from '../watch';

const COMMON_FLAGS = {
  'dry-run': {
    type: 'boolean',
    description: 'plan only: nothing is written to Visitor; see the plan with `plan <runId>`',
  },
  full: { type: 'boolean', description: 'also read Visitor and correct changes made there by hand' },
  detach: { type: 'boolean', description: 'start and return; follow later with `watch <runId>`' },
} as const;

export const initialCommand: Command = {
  spec: {
    name: 'initial',
    summary:
      'Start the initial sync: every Engage location and user into Visitor, matching users that already exist there.',
    flags: {
      invitations: {
        type: 'string',
        value: 'send|delay:<dur>|disabled',
        description: 'when created users get the "Join your team" e-mail (default: SYNC_INVITATIONS)',
      },
      ...COMMON_FLAGS,
      'page-size': {
        type: 'string',
        value: 'N',
        description: 'users per page activity, 1–5000 (default: SYNC_PAGE_SIZE)',
      },
      'apply-plan': {
        type: 'string',
        value: 'DRY_RUN_ID',
        description:
          'apply exactly what this reviewed dry run planned: refused, writing nothing, if a fresh plan differs',
      },
    },
    details:
      'Refused while another initial or daily sync is running. Watches the run until it ends unless --detach;\n' +
      'exit code 0 when it completed, 1 when it failed, was stopped or was skipped.\n' +
      'Onboarding a company: start with --dry-run, review it (plan <runId>, locations), then --apply-plan <runId>;\n' +
      "the run takes the dry run's invitations and page size, and checks a fresh plan against it first.",
  },
  async run(p, ctx) {
    const reviewed = stringFlag(p, 'apply-plan');
    if (reviewed !== undefined) return applyReviewedPlan(ctx(), p, runIdArg(reviewed));
    const flag = stringFlag(p, 'invitations');
    const invitations = flag !== undefined ? invitationsFlag(flag) : undefined;
    const size = stringFlag(p, 'page-size');
    const pageSize = size === undefined ? undefined : positiveInt('--page-size', size, 5000);
    const c = ctx();
    // An initial sync always records its choice; without the flag it is the configured default.
    const policy =
      invitations ??
      (c.tenant?.options.invitations as InvitationPolicy | undefined) ??
      c.config.sync.invitations;
    return startBulkRun(c, p, {
      kind: 'initial',
      workflowId: c.workflowId(`initial-sync-${utcStamp()}`),
      invitations: policy,
      invitationsLabel: `${policyLabel(policy)}${invitations ? '' : c.tenant?.options.invitations ? ` (tenant ${c.tenant.id}'s option; choose with --invitations)` : ' (configured default; choose with --invitations)'}`,
      pageSize,
    });
  },
};

export const dailyCommand: Command = {
  spec: {
    name: 'daily',
    summary:
      'Run the daily reconcile now, outside the schedule (changes since the last run; --full re-reads Visitor).',
    flags: { ...COMMON_FLAGS },
    details: 'Refused while another initial or daily sync is running. Exit codes as for `initial`.',
  },
  async run(p, ctx) {
    const c = ctx();
    return startBulkRun(c, p, {
      kind: 'daily',
      workflowId: c.workflowId(`daily-sync-manual-${utcStamp()}`),
      invitationsLabel: 'configured default',
    });
  },
};

/** `initial --apply-plan <dryRunId>`: the reviewed dry run's own choices, and the check against it. */
async function applyReviewedPlan(ctx: CliContext, p: ParsedCommand, reviewedRunId: string): Promise<number> {
  for (const f of ['dry-run', 'invitations', 'page-size', 'full'] as const)
    if (p.values[f] !== undefined)
      throw new UsageError(
        `--${f} cannot be combined with --apply-plan: the run takes the reviewed dry run's choices`,
      );
  const run = await runById(ctx.db(), reviewedRunId);
  if (!run) throw new CliError(`no run ${reviewedRunId} in the runs table`);
  if (!run.dry_run || run.kind.replace(/-dry-run$/, '') !== 'initial')
    throw new CliError(
      `${reviewedRunId} is not a dry run of an initial sync: start one with --dry-run and review it`,
    );
  if (run.status !== 'completed')
    throw new CliError(`${reviewedRunId} is ${run.status}: only a completed dry run can be applied`);
  const reviewedInput = await startInput(await ctx.temporal(), run.workflow_id);
  // Exactly the dry run's choice: unset there means the workers' configured default here too.
  const policy = reviewedInput.invitations;
  return startBulkRun(ctx, p, {
    kind: 'initial',
    workflowId: ctx.workflowId(`initial-sync-${utcStamp()}`),
    invitations: policy,
    invitationsLabel: `${policy ? policyLabel(policy) : 'configured default'} (as reviewed in ${reviewedRunId})`,
    pageSize: reviewedInput.pageSize,
    reviewedPlanRunId: reviewedRunId,
    full: reviewedInput.full,
  });
}

/** The input a workflow was started with (ids and choices only), from its first history event. */
async function startInput(client: Client, workflowId: string): Promise<SyncRunInput> {
  const history = await client.workflow
    .getHandle(workflowId)
    .fetchHistory()
    .catch((err: Error) => {
      throw new CliError(
        `cannot read the choices of ${workflowId} from Temporal (${err.message}); past the namespace's retention, start a new dry run`,
      );
    });
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new CliError(`cannot read the input of ${workflowId} from Temporal`);
  return defaultPayloadConverter.fromPayload<SyncRunInput>(payload);
}

export function policyLabel(p: InvitationPolicy): string {
  if (p.mode !== 'delay') return p.mode;
  const h = p.delayMs / 3_600_000;
  return Number.isInteger(h) ? `delay:${h}h` : `delay:${Math.round(p.delayMs / 60_000)}m`;
}

async function startBulkRun(
  ctx: CliContext,
  p: ParsedCommand,
  run: {
    kind: 'initial' | 'daily';
    workflowId: string;
    invitations?: InvitationPolicy;
    invitationsLabel: string;
    pageSize?: number;
    reviewedPlanRunId?: string;
    full?: boolean;
  },
): Promise<number> {
  refuseIfPaused(ctx);
  const dryRun = boolFlag(p, 'dry-run');
  const client = await ctx.temporal();
  // A dry run writes nothing to Visitor, so it may run beside a real one (the workflow agrees).
  if (!dryRun) await refuseWhileBulkRunRuns(ctx, client);
  const input: SyncRunInput = {
    kind: run.kind,
    startedBy: ctx.actor,
    dryRun,
    full: run.full ?? boolFlag(p, 'full'),
    ...(run.invitations ? { invitations: run.invitations } : {}),
    ...(run.pageSize ? { pageSize: run.pageSize } : {}),
    ...(run.reviewedPlanRunId ? { reviewedPlanRunId: run.reviewedPlanRunId } : {}),
  };
  try {
    await client.workflow.start<typeof syncRunWorkflow>('syncRunWorkflow', {
      workflowId: run.workflowId,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: RUN_KIND, value: run.kind },
        { key: STARTED_BY, value: ctx.actor },
        { key: DRY_RUN, value: dryRun },
        { key: RUN_STATUS, value: 'running' },
        ...ctx.tenantAttributes(),
      ],
      ...(ctx.tenant ? { priority: tenantFairness(ctx.tenant.id) } : {}),
      staticSummary: runSummary({
        kind: run.kind,
        full: input.full,
        tenant: ctx.tenant?.id,
        dryRun,
        invitations: run.invitationsLabel,
        startedBy: ctx.actor,
      }),
      memo: { startedBy: ctx.actor, invitations: run.invitationsLabel, dryRun },
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new CliError(`a run with id ${run.workflowId} already exists; start again in a second`);
    throw err;
  }
  console.log(
    [
      `Started ${run.kind} sync ${run.workflowId}${dryRun ? ' (DRY RUN: nothing is written to Visitor)' : ''}`,
      ...(run.kind === 'initial' ? [`  invitations: ${run.invitationsLabel}`] : []),
      ...(input.full ? ['  full: Visitor is read too, and drift made there is corrected'] : []),
      ...(run.reviewedPlanRunId
        ? [
            `  applies the plan reviewed in ${run.reviewedPlanRunId}: a fresh plan is checked against it first`,
          ]
        : []),
      `  Temporal UI: ${ctx.link(run.workflowId)}`,
    ].join('\n'),
  );
  if (boolFlag(p, 'detach')) {
    console.log(
      `  follow it:   npm run sync -- watch ${run.workflowId}\n  stop it:     npm run sync -- stop ${run.workflowId}`,
    );
    return 0;
  }
  return watchRun(ctx, run.workflowId);
}

/** The database lock row alone may be left by a terminated workflow; only a live workflow refuses. */
async function refuseWhileBulkRunRuns(ctx: CliContext, client: Client): Promise<void> {
  for (const row of await activeBulkRuns(ctx.db())) {
    if (!(await isRunning(client, row.workflow_id))) continue;
    const waiting =
      row.status === 'awaiting-approval'
        ? `\n  it waits for a deletion decision: npm run sync -- approve ${row.id}  (or reject)`
        : '';
    throw new CliError(
      `the ${row.kind} sync ${row.id} is ${row.status} (started ${formatTime(row.started_at)} by ${row.started_by}); ` +
        `one sync at a time.${waiting}\n  follow it: npm run sync -- watch ${row.id}\n  stop it:   npm run sync -- stop ${row.id}`,
    );
  }
}
