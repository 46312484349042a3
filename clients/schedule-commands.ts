// The `npm run schedule` commands: create, change, pause, run now and inspect the daily schedule.
import type { Client, ScheduleDescription } from '@temporalio/client';
import {
  DEFAULT_SCHEDULE_ID,
  deleteSchedule,
  describeSchedule,
  ensureSchedule,
  pauseSchedule,
  resumeSchedule,
  type ScheduleOpts,
  scheduleId,
  tenantScheduleOpts,
  triggerSchedule,
  updateSchedule,
} from '../temporal/schedule';
import { boolFlag, durationFlag, type FlagSpec, type ParsedCommand, stringFlag } from './args';
import type { Command } from './command';
import { type CliContext, CliError } from './context';
import { countsSummary, formatInterval, formatTime, table } from './format';
import { runsByIds } from './runs';

const ID = DEFAULT_SCHEDULE_ID;

/** The schedule this command works on: the configured company's, or the --tenant's own. */
const idOf = (ctx: CliContext) => scheduleId(tenantOf(ctx));
const tenantOf = (ctx: CliContext): Pick<ScheduleOpts, 'tenant'> => tenantScheduleOpts(ctx.tenant);
const intervalOf = (ctx: CliContext, opts: ScheduleOpts) =>
  opts.intervalMs ?? ctx.tenant?.schedule.intervalMs ?? ctx.config.sync.scheduleIntervalMs;

const DEFINE_FLAGS: Record<string, FlagSpec> = {
  interval: {
    type: 'string',
    value: 'duration',
    description: 'time between runs, e.g. 24h or 12h (default: SYNC_SCHEDULE_INTERVAL)',
  },
  paused: {
    type: 'boolean',
    description: 'leave the schedule paused (create/update only pause; they never resume)',
  },
  note: {
    type: 'string',
    value: 'text',
    description: 'a note shown with the schedule, e.g. why it is paused',
  },
};
const NOTE_FLAG: Record<string, FlagSpec> = {
  note: { type: 'string', value: 'text', description: 'why, shown with the schedule' },
};

const defineOpts = (p: ParsedCommand): ScheduleOpts => {
  const interval = stringFlag(p, 'interval');
  const note = stringFlag(p, 'note');
  return {
    ...(interval !== undefined ? { intervalMs: durationFlag('--interval', interval) } : {}),
    ...(boolFlag(p, 'paused') ? { paused: true } : {}),
    ...(note !== undefined ? { note } : {}),
  };
};

async function requireSchedule(ctx: CliContext, client: Client): Promise<ScheduleDescription> {
  const id = idOf(ctx);
  const d = await describeSchedule(client, id);
  const flag = ctx.tenant ? ` --tenant ${ctx.tenant.id}` : '';
  if (!d) throw new CliError(`there is no schedule ${id}; create it: npm run schedule -- create${flag}`);
  return d;
}

const scheduleUrl = (ctx: CliContext) =>
  `${ctx.config.temporal.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ctx.config.temporal.namespace)}/schedules/${idOf(ctx)}`;

export const SCHEDULE_COMMANDS: Command[] = [
  {
    spec: {
      name: 'create',
      summary:
        'Create the daily reconcile schedule; if it exists, bring it to this definition (safe to repeat).',
      flags: DEFINE_FLAGS,
    },
    async run(p, getCtx) {
      const opts = defineOpts(p);
      const ctx = getCtx();
      const { result } = await ensureSchedule(await ctx.temporal(), ctx.config, {
        ...opts,
        ...tenantOf(ctx),
      });
      const every = formatInterval(intervalOf(ctx, opts));
      console.log(
        result === 'created'
          ? `Created schedule ${idOf(ctx)}: a daily reconcile every ${every}${opts.paused ? ' (paused)' : ''}.`
          : `Schedule ${idOf(ctx)} already existed: updated it to run every ${every}${opts.paused ? ' and paused it' : ''}.`,
      );
      console.log(`  Temporal UI: ${scheduleUrl(ctx)}`);
      return 0;
    },
  },
  {
    spec: {
      name: 'update',
      summary: 'Change the interval (or pause / note) of the existing schedule.',
      flags: DEFINE_FLAGS,
    },
    async run(p, getCtx) {
      const opts = defineOpts(p);
      const ctx = getCtx();
      const client = await ctx.temporal();
      await requireSchedule(ctx, client);
      await updateSchedule(client, ctx.config, { ...opts, ...tenantOf(ctx) });
      console.log(`Updated schedule ${idOf(ctx)}: every ${formatInterval(intervalOf(ctx, opts))}.`);
      return 0;
    },
  },
  {
    spec: {
      name: 'pause',
      summary: 'Pause the schedule: no runs start until it is resumed.',
      flags: NOTE_FLAG,
    },
    async run(p, getCtx) {
      const ctx = getCtx();
      const client = await ctx.temporal();
      await requireSchedule(ctx, client);
      await pauseSchedule(client, idOf(ctx), stringFlag(p, 'note') ?? `paused by ${ctx.actor}`);
      console.log(`Paused ${idOf(ctx)}. Resume: npm run schedule -- resume`);
      return 0;
    },
  },
  {
    spec: { name: 'resume', summary: 'Resume a paused schedule.', flags: NOTE_FLAG },
    async run(p, getCtx) {
      const ctx = getCtx();
      const client = await ctx.temporal();
      await requireSchedule(ctx, client);
      await resumeSchedule(client, idOf(ctx), stringFlag(p, 'note') ?? `resumed by ${ctx.actor}`);
      const d = await requireSchedule(ctx, client);
      console.log(`Resumed ${idOf(ctx)}. Next run: ${formatTime(d.info.nextActionTimes[0])}`);
      return 0;
    },
  },
  {
    spec: {
      name: 'trigger',
      summary: 'Start a scheduled run now; skipped if the previous one is still running.',
    },
    async run(_p, getCtx) {
      const ctx = getCtx();
      const client = await ctx.temporal();
      await requireSchedule(ctx, client);
      await triggerSchedule(client, idOf(ctx));
      console.log(
        `Triggered ${idOf(ctx)}. Follow it: npm run sync -- watch   (status: npm run schedule -- describe)`,
      );
      return 0;
    },
  },
  {
    spec: { name: 'delete', summary: 'Delete the schedule. Runs already started go on.' },
    async run(_p, getCtx) {
      const ctx = getCtx();
      const client = await ctx.temporal();
      await requireSchedule(ctx, client);
      await deleteSchedule(client, idOf(ctx));
      console.log(`Deleted schedule ${idOf(ctx)}.`);
      return 0;
    },
  },
  {
    spec: {
      name: 'describe',
      summary: 'Show the schedule: state, interval, recent runs with their results, next runs.',
    },
    async run(_p, getCtx) {
      const ctx = getCtx();
      const client = await ctx.temporal();
      const d = await requireSchedule(ctx, client);
      console.log(await describeText(ctx, client, d));
      return 0;
    },
  },
];

async function describeText(ctx: CliContext, client: Client, d: ScheduleDescription): Promise<string> {
  const calendars = (d.spec.calendars ?? []).map(
    (c) =>
      `daily at ${[c.hour, c.minute, c.second].map((v) => String((v as { start?: number }[] | undefined)?.[0]?.start ?? 0).padStart(2, '0')).join(':')}${d.spec.timezone ? ` ${d.spec.timezone}` : ''}`,
  );
  const every =
    [...(d.spec.intervals ?? []).map((i) => formatInterval(i.every)), ...calendars].join(', ') ||
    'custom spec';
  const action = d.action.type === 'startWorkflow' ? d.action : undefined;
  const lines = [
    `Schedule ${d.scheduleId}: ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` — note: ${d.state.note}` : ''}`,
    `  every ${every}; overlap ${d.policies.overlap}; catch-up window ${formatInterval(d.policies.catchupWindow)}; pause on failure ${d.policies.pauseOnFailure ? 'yes' : 'no'}`,
    ...(action
      ? [`  starts ${action.workflowType} on task queue ${action.taskQueue} as ${action.workflowId}-<time>`]
      : []),
    `  actions taken ${d.info.numActionsTaken}, skipped (overlap) ${d.info.numActionsSkippedOverlap}, missed (catch-up) ${d.info.numActionsMissedCatchupWindow}`,
  ];
  if (d.info.runningActions.length > 0)
    lines.push(`  running now: ${d.info.runningActions.map((a) => a.workflow.workflowId).join(', ')}`);
  const recent = [...d.info.recentActions].reverse().slice(0, 10);
  if (recent.length > 0) {
    const ids = recent.map((a) => a.action.workflow.workflowId);
    // The runs table adds counts; without a database the Temporal status alone is still useful.
    const runs = await runsByIds(ctx.db(), ids).catch(() => new Map());
    const statuses = await Promise.all(
      ids.map((id) =>
        client.workflow
          .getHandle(id)
          .describe()
          .then((x) => x.status.name.toLowerCase())
          .catch(() => 'unknown'),
      ),
    );
    lines.push('', 'Recent runs:');
    lines.push(
      table(
        recent.map((a, i) => ({ a, status: statuses[i]!, run: runs.get(a.action.workflow.workflowId) })),
        [
          { header: 'started', value: (r) => formatTime(r.a.takenAt) },
          { header: 'run', value: (r) => r.a.action.workflow.workflowId },
          { header: 'workflow', value: (r) => r.status },
          { header: 'result', value: (r) => r.run?.status ?? '-' },
          { header: 'counts', value: (r) => countsSummary(r.run?.counts), max: 60 },
          { header: 'reason', value: (r) => r.run?.reason ?? '', max: 60 },
        ],
      ),
    );
  }
  const next = d.info.nextActionTimes.slice(0, 5);
  lines.push(
    '',
    `Next runs: ${d.state.paused ? '(paused) ' : ''}${next.length ? next.map((t) => formatTime(t)).join(', ') : 'none'}`,
  );
  lines.push(`Temporal UI: ${scheduleUrl(ctx)}`);
  return lines.join('\n');
}

export const SCHEDULE_INTRO = `Manages the Temporal Schedule "${ID}" that starts the daily reconcile (overlap: skip, catch-up: 1 day).`;
