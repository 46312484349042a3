// Fencing the attempts of one activity. Temporal starts a retry once an attempt timed out, while that
// attempt may still run on its worker: two attempts would then write the same things to Visitor side
// by side (a location created twice, an e-mail sent twice). An attempt claims what it writes (a run's
// locations, its invitations, its deletions) before it reads what to write; the claim waits until the
// previous holder let go, and before each write the attempt checks that it still holds it.
import type { AttemptFences, Progress } from './ports';

/** A newer attempt of the same work claimed it: this one must not write again. */
export class AttemptSupersededError extends Error {
  override readonly name = 'AttemptSuperseded';
  constructor(readonly key: string) {
    super(`a newer attempt took over ${key}; this attempt stops`);
  }
}

/** The attempt was cancelled (or timed out) before a write: it stops there. */
export class AttemptStoppedError extends Error {
  override readonly name = 'AttemptStopped';
  constructor() {
    super('the activity was cancelled; stopped before the next write');
  }
}

/** Held by one attempt while it writes. */
export interface AttemptFence {
  /** Call before each write to Visitor: throws AttemptSupersededError once the hold is lost. */
  assertHolder(): Promise<void>;
}

/** For work nobody else can run beside (a test, a dry run): always the holder. */
export const UNFENCED: AttemptFence = { assertHolder: async () => {} };

/** Throws AttemptStoppedError once the attempt was cancelled: for the next write not to start. */
export function throwIfStopped(progress: Progress): void {
  if (progress.signal.aborted) throw new AttemptStoppedError();
}

/**
 * Runs `work` holding `key` for the attempt with `token` (later attempts have larger ones; an
 * activity passes when Temporal scheduled it). Waits, heartbeating, while an earlier attempt still
 * holds it; throws AttemptSupersededError when a later attempt claimed it first. Without a fence
 * store (engine tests over fakes) the work runs unfenced.
 */
export async function withAttemptFence<T>(
  fences: AttemptFences | undefined,
  key: string,
  token: number,
  progress: Progress,
  work: (fence: AttemptFence) => Promise<T>,
): Promise<T> {
  if (!fences) return work(UNFENCED);
  const lease = await fences
    .claim(key, token, { signal: progress.signal, onWait: () => progress.beat({ waitingFor: key }) })
    .catch((err: unknown) => {
      throwIfStopped(progress); // cancelled while waiting
      throw err;
    });
  if (!lease) throw new AttemptSupersededError(key);
  try {
    return await work({
      assertHolder: async () => {
        if (!(await lease.holds())) throw new AttemptSupersededError(key);
      },
    });
  } finally {
    await lease.release().catch(() => undefined);
  }
}
