// The change feed's rules for one company: which changed rows a poll hands on, and how far its
// watermark may move. Engage stamps updated_at with its transaction's start time, so a transaction that
// commits late shows rows older than rows already read: each poll reads again from the watermark minus
// an overlap and skips the (row, version) pairs it already handed on. At-least-once: a restart forgets
// the pairs and hands on the overlap again, which per-user provisioning absorbs (it finds them unchanged).

/** A changed row: its id and its updated_at (Engage's clock, milliseconds). */
export interface ChangedRow {
  id: number;
  updatedAtMs: number;
}

/** What a feed remembers between polls (in memory: lost on restart, by design). */
export interface FeedMemory {
  /** The newest updated_at handed on; reads start `overlapMs` before it. */
  watermarkMs: number;
  /** `<id>@<updatedAtMs>` of rows handed on within the overlap, so a re-read skips them. */
  handedOn: Map<string, number>;
}

const key = (r: ChangedRow) => `${r.id}@${r.updatedAtMs}`;

export function newMemory(watermarkMs: number): FeedMemory {
  return { watermarkMs, handedOn: new Map() };
}

/** Where a poll starts reading: the watermark minus the overlap (rows committed late). */
export function readFromMs(memory: FeedMemory, overlapMs: number): number {
  return memory.watermarkMs - overlapMs;
}

/**
 * The rows of a poll not handed on yet (a row changed again is new: its updated_at moved), and the
 * memory after handing them on: the watermark at the newest row seen, pairs older than the overlap
 * forgotten.
 */
export function takeNew(
  memory: FeedMemory,
  rows: readonly ChangedRow[],
  overlapMs: number,
): { fresh: ChangedRow[]; memory: FeedMemory } {
  const handedOn = new Map(memory.handedOn);
  const fresh: ChangedRow[] = [];
  let watermarkMs = memory.watermarkMs;
  for (const r of rows) {
    if (handedOn.has(key(r))) continue;
    handedOn.set(key(r), r.updatedAtMs);
    fresh.push(r);
    if (r.updatedAtMs > watermarkMs) watermarkMs = r.updatedAtMs;
  }
  const forgetBefore = watermarkMs - overlapMs;
  for (const [k, at] of handedOn) if (at < forgetBefore) handedOn.delete(k);
  return { fresh, memory: { watermarkMs, handedOn } };
}

/** Each changed id once, however often it changed in the poll (its latest row is what is read). */
export function distinctIds(rows: readonly ChangedRow[]): number[] {
  return [...new Set(rows.map((r) => r.id))];
}

export type Handoff =
  | { kind: 'none' }
  | { kind: 'users'; ids: number[] }
  /** Too many users at once (a bulk import), or a location changed: one bulk run instead. */
  | { kind: 'bulk'; reason: string };

/**
 * How a poll's changes go on: a location change needs the location reconcile (a bulk run's first
 * step); more users than `bulkThreshold` are cheaper as one bulk run than as that many per-user runs.
 */
export function handoffOf(
  users: readonly ChangedRow[],
  locations: readonly ChangedRow[],
  bulkThreshold: number,
): Handoff {
  const ids = distinctIds(users);
  if (locations.length > 0)
    return { kind: 'bulk', reason: `${distinctIds(locations).length} location(s) changed in Engage` };
  if (ids.length > bulkThreshold)
    return { kind: 'bulk', reason: `${ids.length} users changed at once (over ${bulkThreshold})` };
  return ids.length ? { kind: 'users', ids } : { kind: 'none' };
}

/**
 * The workflow id (before any tenant prefix) of attempt `attempt` of the bulk run a feed asked for at
 * `requestedAtMs` (Engage's clock): the same request keeps its id, so a repeated start is one run.
 */
export function bulkRunBase(requestedAtMs: number, attempt: number): string {
  const stamp = new Date(requestedAtMs).toISOString().replace(/[-:]/g, '').replace('.', '');
  return `daily-sync-feed-${stamp}${attempt > 0 ? `-r${attempt}` : ''}`;
}
