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
import { RUN_KIND, STARTED_BY } from '../workflows/search-attributes';
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
}

export const scheduleId = (opts: Pick<ScheduleOpts, 'scheduleId'> = {}) =>
  opts.scheduleId ?? DEFAULT_SCHEDULE_ID;

type SyncAction = ScheduleOptionsStartWorkflowAction<typeof syncRunWorkflow>;

/** The schedule as it should be. */
export function desiredSchedule(config: ServiceConfig, opts: ScheduleOpts = {}): ScheduleOptions<SyncAction> {
  return {
    scheduleId: scheduleId(opts),
    spec: { intervals: [{ every: opts.intervalMs ?? config.sync.scheduleIntervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'syncRunWorkflow',
      workflowId: SCHEDULED_WORKFLOW_ID,
      taskQueue: config.temporal.taskQueue,
      args: [{ kind: 'daily', startedBy: 'schedule' }],
      typedSearchAttributes: [
        { key: RUN_KIND, value: 'daily' },
        { key: STARTED_BY, value: 'schedule' },
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
