// The Temporal side of an engine call: the activity context becomes the engine's progress hook, and
// the engine's errors become Temporal failures.
import { Context } from '@temporalio/activity';
import type { Progress } from '../engine/ports';
import { toActivityFailure } from './failures';

/** Heartbeats and cancellation of the current activity, as the engine's Progress port. */
export function activityProgress(ctx: Context = Context.current()): Progress {
  return { beat: (details) => ctx.heartbeat(details), signal: ctx.cancellationSignal };
}

/** Runs an engine call inside an activity: its errors mapped to retryable or final failures. */
export async function runActivity<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
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
  work: (progress: Progress, attempt: number) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  const result = await runActivity(() => work(activityProgress(ctx), ctx.info.attempt));
  if (ctx.cancellationSignal.aborted) await ctx.cancelled;
  return result;
}

/**
 * Runs one batch of a loop the workflow drives (deletions, invitations): heartbeating, and on
 * cancellation (a worker shutting down) it returns what it did, with work remaining, so the workflow
 * counts it and asks again rather than losing the batch's counts.
 */
export async function runBatch<T>(work: (progress: Progress) => Promise<T>): Promise<T> {
  return runActivity(() => work(activityProgress()));
}
