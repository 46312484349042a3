// Plain implementations of two ports, for the worker and for work outside an activity.
import type { Clock, Progress } from './ports';

export const systemClock: Clock = { now: () => Date.now() };

/** For work outside an activity (a script, a test): never cancelled, progress ignored. */
export const noProgress: Progress = { beat: () => {}, signal: new AbortController().signal };
