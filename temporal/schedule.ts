// The daily reconcile as a Temporal Schedule: one definition, applied idempotently by the schedule CLI,
// the demo and the tests. Overlap SKIP keeps a slow run from stacking up behind itself.
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleDescription,
  ScheduleNotFoundError,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { ServiceConfig } from '../config/service';
import { tenantFairness } from '../domain/tenant-fairness';
import type { TenantSchedule } from '../state/tenant-rules';
import { runSummary } from '../workflows/run-details';
import { RUN_KIND, STARTED_BY, TENANT } from '../workflows/search-attributes';
import type { syncRunWorkflow } from '../workflows/sync-run';

export const DEFAULT_SCHEDULE_ID = 'engage-visitor-sync-daily';
/** Prefix of the scheduled runs' workflow ids; Temporal appends the scheduled time. */
export const SCHEDULED_WORKFLOW_ID = 'daily-sync';

export interface ScheduleOpts {
  /** Default: engage-visitor-sync-daily (tests pass their own). */
  scheduleId?: string;
  /** Default: config.sync.scheduleIntervalMs. */
  intervalMs?: number;
  paused?: boolean;
  note?: string;
  /** A tenant's schedule: its own id, time of day in its zone, interval and spread (tenant-rules.ts). */
  tenant?: { id: string; schedule: TenantSchedule };
}

/** The schedule options of a tenant (none: the configured company's schedule). */
export const tenantScheduleOpts = (t?: {
  id: string;
  schedule: TenantSchedule;
}): Pick<ScheduleOpts, 'tenant'> => (t ? { tenant: { id: t.id, schedule: t.schedule } } : {});

export const scheduleId = (opts: Pick<ScheduleOpts, 'scheduleId' | 'tenant'> = {}) =>
  opts.scheduleId ?? (opts.tenant ? `${opts.tenant.id}.${DEFAULT_SCHEDULE_ID}` : DEFAULT_SCHEDULE_ID);

const DAY_MS = 86_400_000;

/**
 * When a tenant's runs fire: a daily schedule at its time of day in its time zone (so it follows daylight
 * saving) plus its fixed spread; another interval counts from the epoch, offset by the same amounts.
 */
export function tenantScheduleSpec(s: TenantSchedule): ScheduleOptions['spec'] {
  const [h, m] = s.time.split(':').map(Number) as [number, number];
  const at = (h * 3_600_000 + m * 60_000 + s.jitterMs) % DAY_MS;
  if (s.intervalMs === DAY_MS) {
    const hour = Math.floor(at / 3_600_000);
    const minute = Math.floor((at % 3_600_000) / 60_000);
    const second = Math.floor((at % 60_000) / 1000);
    return { calendars: [{ hour, minute, second }], timezone: s.timeZone };
  }
  return { intervals: [{ every: s.intervalMs, offset: at % s.intervalMs }] };
}

type SyncAction = ScheduleOptionsStartWorkflowAction<typeof syncRunWorkflow>;

/** The schedule as it should be. */
export function desiredSchedule(config: ServiceConfig, opts: ScheduleOpts = {}): ScheduleOptions<SyncAction> {
  const t = opts.tenant;
  const every = opts.intervalMs ?? t?.schedule.intervalMs ?? config.sync.scheduleIntervalMs;
  return {
    scheduleId: scheduleId(opts),
    spec: t ? tenantScheduleSpec({ ...t.schedule, intervalMs: every }) : { intervals: [{ every }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'syncRunWorkflow',
      workflowId: t ? `${t.id}.${SCHEDULED_WORKFLOW_ID}` : SCHEDULED_WORKFLOW_ID,
      taskQueue: config.temporal.taskQueue,
      args: [{ kind: 'daily', startedBy: 'schedule' }],
      staticSummary: runSummary({ kind: 'daily', tenant: t?.id, startedBy: 'schedule' }),
      // The tenant's fairness key on the run's own tasks. The SDK's type for a new schedule's action
      // leaves `priority` out, but it sends it (and describe() returns it).
      ...(t ? ({ priority: tenantFairness(t.id) } as object) : {}),
      typedSearchAttributes: [
        { key: RUN_KIND, value: 'daily' },
        { key: STARTED_BY, value: 'schedule' },
        ...(t ? [{ key: TENANT, value: t.id }] : []),
      ],
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // After an outage, run once for the missed day rather than never; older misses are dropped.
      catchupWindow: '1d',
      // A failed run must not silently stop the daily reconcile.
      pauseOnFailure: false,
    },
    state: {
      paused: opts.paused ?? false,
      ...(opts.note ? { note: opts.note } : {}),
    },
  };
}

/** Creates the schedule, or brings an existing one to the desired definition. */
export async function ensureSchedule(
  client: Client,
  config: ServiceConfig,
  opts: ScheduleOpts = {},
): Promise<{ scheduleId: string; result: 'created' | 'updated' }> {
  const desired = desiredSchedule(config, opts);
  try {
    await client.schedule.create(desired);
    return { scheduleId: desired.scheduleId, result: 'created' };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await updateSchedule(client, config, opts);
  return { scheduleId: desired.scheduleId, result: 'updated' };
}

/**
 * Rewrites spec, action and policies of an existing schedule (ScheduleNotFoundError if none).
 * Pause state and note change only when asked, so an update does not resume a paused schedule.
 */
export async function updateSchedule(
  client: Client,
  config: ServiceConfig,
  opts: ScheduleOpts = {},
): Promise<void> {
  const desired = desiredSchedule(config, opts);
  await client.schedule.getHandle(desired.scheduleId).update((current) => ({
    spec: desired.spec,
    action: desired.action,
    policies: desired.policies,
    state: {
      paused: opts.paused ?? current.state.paused,
      note: opts.note ?? current.state.note,
      remainingActions: current.state.remainingActions,
    },
  }));
}

/** undefined when no such schedule exists. */
export async function describeSchedule(client: Client, id: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

export const pauseSchedule = (client: Client, id: string, note: string) =>
  client.schedule.getHandle(id).pause(note);
export const resumeSchedule = (client: Client, id: string, note: string) =>
  client.schedule.getHandle(id).unpause(note);
/** Run now — skipped, like a scheduled run, while the previous one is still going. */
export const triggerSchedule = (client: Client, id: string) =>
  client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP);
export const deleteSchedule = (client: Client, id: string) => client.schedule.getHandle(id).delete();
