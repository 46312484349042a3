// The Temporal side of an engine call: the activity context becomes the engine's progress hook, and
// the engine's errors become Temporal failures.
import { Context } from '@temporalio/activity';
import { type AttemptFence, withAttemptFence } from '../engine/attempt-fence';
import type { AttemptFences, Progress } from '../engine/ports';
import type { PageResume } from '../engine/reconcile-page';
import { type RequestLane, withRequestContext } from '../scim/request-context';
import { toActivityFailure } from './failures';

/** Heartbeats and cancellation of the current activity, as the engine's Progress port. */
export function activityProgress(ctx: Context = Context.current()): Progress {
  return { beat: (details) => ctx.heartbeat(details), signal: ctx.cancellationSignal };
}

/**
 * Runs an engine call inside an activity: its errors mapped to retryable or final failures. Its
 * Visitor requests wait in `lane` and are abandoned when the activity is cancelled or timed out.
 */
export async function runActivity<T>(work: () => Promise<T>, lane: RequestLane = 'bulk'): Promise<T> {
  const signal = Context.current().cancellationSignal;
  try {
    return await withRequestContext({ lane, signal }, work);
  } catch (err) {
    throw toActivityFailure(err);
  }
}

/**
 * Runs a page: long, heartbeating engine work. When the activity was cancelled (or timed out)
 * meanwhile, the engine stopped early: its partial result is dropped and the attempt ends as
 * cancelled (the retry re-plans the range and finds what was done unchanged).
 */
export async function runHeartbeating<T>(
  work: (progress: Progress, attempt: number, resume: PageResume | undefined) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  const resume = resumeOf(ctx.info.heartbeatDetails);
  const result = await runActivity(() => work(activityProgress(ctx), ctx.info.attempt, resume));
  if (ctx.cancellationSignal.aborted) await ctx.cancelled;
  return result;
}

/**
 * The attempt's fence token: when Temporal scheduled it. A retry is scheduled after the attempt before
 * it timed out, and the next batch after the one before completed, so later attempts have larger ones.
 */
const fenceToken = (ctx: Context) => ctx.info.currentAttemptScheduledTimestampMs;

/**
 * Runs engine work that writes to Visitor holding `key` (engine/attempt-fence.ts): it starts once an
 * earlier attempt let go, writes only while it holds the key, and stops at its next write when
 * cancelled. `partial` says what a cancelled attempt ends with: 'drop' ends it as cancelled (like
 * runHeartbeating; the retry finds what was done), 'return' returns what it did, with work remaining,
 * so the workflow driving a loop of batches (deletions, invitations) counts it and asks again.
 */
export async function runFenced<T>(
  fences: AttemptFences | undefined,
  key: string,
  partial: 'drop' | 'return',
  work: (progress: Progress, fence: AttemptFence) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  const progress = activityProgress(ctx);
  let result: T;
  try {
    result = await runActivity(() =>
      withAttemptFence(fences, key, fenceToken(ctx), progress, (fence) => work(progress, fence)),
    );
  } catch (err) {
    // Stopped because it was cancelled (before a write, or while waiting for the fence).
    if (ctx.cancellationSignal.aborted) await ctx.cancelled;
    throw err;
  }
  if (partial === 'drop' && ctx.cancellationSignal.aborted) await ctx.cancelled;
  return result;
}

/** Where the attempt before this one got to, from its last heartbeat (engine/reconcile-page.ts PageBeat). */
export function resumeOf(details: unknown): PageResume | undefined {
  const resume = (details as { resume?: unknown } | null | undefined)?.resume as Partial<PageResume> | null;
  if (!resume || !Number.isSafeInteger(resume.afterId) || !Number.isSafeInteger(resume.processed))
    return undefined;
  return { afterId: resume.afterId!, processed: resume.processed! };
}
