// `status`: recent runs from the runs table and when the schedule runs next.

import { changeFeedStatus } from '../../state/change-feed-store';
import { describeSchedule, scheduleId, tenantScheduleOpts } from '../../temporal/schedule';
import { boolFlag, intFlag, oneOf, stringFlag } from '../args';

const RUN_KINDS = ['initial', 'daily', 'user'] as const;

import type { Command } from '../command';
import type { CliContext } from '../context';
import { countsSummary, formatDuration, formatTime, table } from '../format';
import {
  type DecisionRow,
  deletionDecision,
  type FailingUsers,
  failingUsers,
  type RunRow,
  recentRuns,
} from '../runs';

export const statusCommand: Command = {
  spec: {
    name: 'status',
    summary: 'List recent sync runs, newest first, and when the daily schedule runs next.',
    flags: {
      limit: { type: 'string', value: 'N', description: 'how many runs, 1–500 (default 10)' },
      kind: { type: 'string', value: 'initial|daily|user', description: 'only runs of this kind' },
      json: { type: 'boolean', description: 'one JSON object instead of tables' },
    },
  },
  async run(p, getCtx) {
    const limit = intFlag(p, 'limit', 10, 500);
    const kindFlag = stringFlag(p, 'kind');
    const kind = kindFlag === undefined ? undefined : oneOf('--kind', kindFlag, RUN_KINDS);
    const json = boolFlag(p, 'json');
    const ctx = getCtx();
    const [runs, schedule, failing, decision, feed] = await Promise.all([
      recentRuns(ctx.db(), limit, kind).then((rows) => confirmActive(ctx, rows)),
      scheduleState(ctx),
      failingUsers(ctx.db()),
      deletionDecision(ctx.db()),
      changeFeedStatus(ctx.db()),
    ]);
    if (json) {
      console.log(
        JSON.stringify(
          { runs, schedule, failing, deletionDecision: decision, changeFeed: feed ?? null },
          null,
          2,
        ),
      );
      return 0;
    }
    if (runs.length === 0) console.log('No runs yet. Start one: npm run sync -- initial --dry-run');
    else console.log(runsTable(runs));
    console.log('');
    console.log(scheduleLine(schedule, ctx.tenant ? ` --tenant ${ctx.tenant.id}` : ''));
    console.log(failingLine(failing));
    console.log(decisionLine(decision));
    console.log(feedLine(feed));
    return 0;
  },
};

/** The Engage change feed: how far behind it is, and who polls it. */
export function feedLine(feed: Awaited<ReturnType<typeof changeFeedStatus>>): string {
  if (!feed?.polledAt || feed.lagSeconds === null)
    return 'Change feed: not polled yet (a worker polls it every CHANGE_FEED_INTERVAL; CHANGE_FEED=false turns it off)';
  const lag =
    feed.lagSeconds < 60 ? `${feed.lagSeconds.toFixed(1)} s` : formatDuration(feed.lagSeconds * 1000);
  return `Change feed: caught up ${lag} ago (Engage up to ${feed.caughtUpTo ? formatTime(feed.caughtUpTo) : '-'})${feed.holder ? `, polled by ${feed.holder}` : ''}`;
}

/**
 * A run's row says 'running' until its workflow records the end; a workflow terminated from the UI
 * never does. Active rows are confirmed with Temporal, and one whose workflow is closed says so.
 */
async function confirmActive(ctx: CliContext, rows: RunRow[]): Promise<RunRow[]> {
  const active = rows.filter((r) => r.status === 'running' || r.status === 'awaiting-approval');
  if (active.length === 0) return rows;
  const client = await ctx.temporal().catch(() => undefined);
  if (!client) return rows;
  const closed = new Map<string, string>();
  await Promise.all(
    active.map(async (r) => {
      const d = await client.workflow
        .getHandle(r.workflow_id)
        .describe()
        .catch(() => undefined);
      if (d && d.status.name !== 'RUNNING') closed.set(r.id, d.status.name.toLowerCase().replace(/_/g, ' '));
    }),
  );
  return rows.map((r) =>
    closed.has(r.id)
      ? {
          ...r,
          status: `ended (${closed.get(r.id)} in Temporal)`,
          reason: r.reason ?? 'its workflow ended without recording the end; the next run takes over',
        }
      : r,
  );
}

export function runsTable(runs: RunRow[], now = Date.now()): string {
  return table(runs, [
    { header: 'run', value: (r) => r.id, max: 44 },
    { header: 'kind', value: (r) => r.kind },
    { header: 'status', value: (r) => r.status },
    { header: 'started by', value: (r) => r.started_by, max: 24 },
    { header: 'started', value: (r) => formatTime(r.started_at) },
    {
      header: 'took',
      align: 'right',
      value: (r) =>
        r.finished_at
          ? formatDuration(Math.max(0, r.finished_at.getTime() - r.started_at.getTime()))
          : `${formatDuration(now - r.started_at.getTime())}…`,
    },
    { header: 'counts', value: (r) => countsSummary(r.counts), max: 70 },
    { header: 'reason', value: (r) => r.reason ?? '', max: 70 },
  ]);
}

type ScheduleState =
  | { id: string; exists: false }
  | { id: string; exists: true; paused: boolean; note?: string; nextRuns: string[] }
  | { id: string; error: string };

async function scheduleState(ctx: CliContext): Promise<ScheduleState> {
  const id = scheduleId(tenantScheduleOpts(ctx.tenant));
  try {
    const d = await describeSchedule(await ctx.temporal(), id);
    if (!d) return { id, exists: false };
    return {
      id,
      exists: true,
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    };
  } catch (err) {
    // The runs table is still worth showing when Temporal is down.
    return { id, error: (err as Error).message };
  }
}

function scheduleLine(s: ScheduleState, tenantFlag: string): string {
  if ('error' in s) return `Schedule: unknown — ${s.error}`;
  if (!s.exists) return `Schedule: none (create it: npm run schedule -- create${tenantFlag})`;
  if (s.paused)
    return `Schedule ${s.id}: PAUSED${s.note ? ` (${s.note})` : ''} — resume: npm run schedule -- resume`;
  const next = s.nextRuns[0];
  return `Schedule ${s.id}: next run ${next ? formatTime(next) : 'not planned'}`;
}

/** Users that keep failing are retried with back-off across runs; say how many wait and why to look. */
export function failingLine(f: FailingUsers): string {
  if (f.failing === 0) return 'Failing users: none';
  const next = f.nextAttemptAt ? `, next retry ${formatTime(f.nextAttemptAt)}` : '';
  return `Failing users: ${f.failing} (${f.quarantined} in back-off after repeated failures${next}) — npm run log -- --run <run> --status failed`;
}

/** Deletions held past the budget wait for one decision that expires: say so, and how to answer. */
export function decisionLine(d: DecisionRow | null, now = Date.now()): string {
  if (!d) return 'Deletion decisions: none';
  if (d.status !== 'pending')
    return `Deletion decisions: none pending (the last, ${d.id}, ${d.status}${d.decided_by ? ` by ${d.decided_by}` : ''}${d.decided_at ? ` at ${formatTime(d.decided_at)}` : ''})`;
  if (d.expires_at.getTime() <= now)
    return `Deletion decision ${d.id}: EXPIRED at ${formatTime(d.expires_at)} with ${d.held} held; closed as rejected once a worker runs`;
  return (
    `Deletion decision ${d.id}: ${d.held} deletion${d.held === 1 ? '' : 's'} HELD since ${formatTime(d.opened_at)}, ` +
    `expires ${formatTime(d.expires_at)} (then rejected) — npm run sync -- approve   or   npm run sync -- reject`
  );
}
