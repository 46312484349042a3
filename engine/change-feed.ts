// One poll of a company's Engage change feed: the users and locations changed since its watermark, read
// without writing to Engage, handed to per-user provisioning (or, for a mass change or a changed
// location, to one bulk run), then the watermark saved. Hand-off before save: a crash between them
// repeats a hand-off (idempotent), never loses one. The rules live in domain/change-window.ts.
import {
  type ChangedRow,
  type FeedMemory,
  handoffOf,
  newMemory,
  readFromMs,
  takeNew,
} from '../domain/change-window';

export interface ChangeSource {
  /** Engage's clock (the watermark is in it, never in ours). */
  nowMs(): Promise<number>;
  /** Rows with (updated_at, id) after the cursor and updated_at ≤ untilMs, oldest first. */
  changedUsers(after: Cursor, untilMs: number, limit: number): Promise<ChangedRow[]>;
  changedLocations(after: Cursor, untilMs: number, limit: number): Promise<ChangedRow[]>;
}

export interface Cursor {
  atMs: number;
  id: number;
}

export interface FeedState {
  usersWatermarkMs: number | null;
  locationsWatermarkMs: number | null;
  /** A bulk run asked for and not begun yet (Engage's clock). */
  bulkRequestedAtMs: number | null;
  /** Rows stamped at or before this are covered elsewhere (kept across workers and restarts). */
  floorMs: number | null;
}

export interface FeedStore {
  /** Takes or renews the company's feed lease; its state, or null while another worker holds it. */
  claim(holder: string, leaseMs: number): Promise<FeedState | null>;
  save(
    holder: string,
    s: FeedState & {
      /** Everything Engage committed up to this time (its clock) has been read. */
      caughtUpToMs: number;
    },
  ): Promise<void>;
  /**
   * The bulk runs started for the request made at `requestedAtMs` (their workflow ids carry its
   * stamp, domain/change-window.ts bulkRunBase): whether one began (running or finished), and how
   * many were refused (another bulk run held the lock), which names the next attempt.
   */
  bulkProgress(requestedAtMs: number): Promise<{ begun: boolean; refused: number }>;
}

export interface FeedDispatch {
  users(ids: number[]): Promise<void>;
  /**
   * Starts attempt `attempt` of the bulk (daily) run for the request made at `requestedAtMs`; starting
   * an attempt already running is a no-op (its workflow id is the same).
   */
  bulk(requestedAtMs: number, attempt: number, reason: string): Promise<void>;
}

export interface FeedSettings {
  holder: string;
  leaseMs: number;
  overlapMs: number;
  /** More distinct users than this in one poll: one bulk run instead. */
  bulkThreshold: number;
  pageSize: number;
}

/** A feed's memory per table; undefined after a restart or when the lease came from another worker. */
export interface FeedMemories {
  users: FeedMemory;
  locations: FeedMemory;
  /** Rows stamped at or before this are covered elsewhere: by the runs before the feed began, or a bulk run. */
  floorMs: number;
}

export type PollResult =
  | { held: false }
  | {
      held: true;
      memories: FeedMemories;
      users: number;
      bulk: string | null;
      caughtUpToMs: number;
    };

export async function pollChangeFeed(
  ports: { source: ChangeSource; store: FeedStore; dispatch: FeedDispatch },
  memories: FeedMemories | undefined,
  s: FeedSettings,
): Promise<PollResult> {
  const state = await ports.store.claim(s.holder, s.leaseMs);
  if (!state) return { held: false };
  const now = await ports.source.nowMs();
  // A new feed starts at Engage's now: what changed before is the initial and daily runs' to bring.
  let m: FeedMemories = memories ?? {
    users: newMemory(state.usersWatermarkMs ?? now),
    locations: newMemory(state.locationsWatermarkMs ?? now),
    floorMs: state.floorMs ?? now,
  };
  const users = await readFresh(
    (c, n) => ports.source.changedUsers(c, now, n),
    m.users,
    m.floorMs,
    s,
    s.bulkThreshold + 1,
  );
  const locations = await readFresh(
    (c, n) => ports.source.changedLocations(c, now, n),
    m.locations,
    m.floorMs,
    s,
    Number.POSITIVE_INFINITY,
  );
  m = { ...m, users: users.memory, locations: locations.memory };
  let bulkRequestedAtMs = state.bulkRequestedAtMs;
  const handoff = handoffOf(users.fresh, locations.fresh, s.bulkThreshold);
  let bulk: string | null = null;
  if (handoff.kind === 'users') await ports.dispatch.users(handoff.ids);
  if (handoff.kind === 'bulk') {
    bulk = handoff.reason;
    bulkRequestedAtMs ??= now;
    // The bulk run reads everything changed up to its start: the rows up to now need no hand-off.
    m = {
      users: { ...m.users, watermarkMs: Math.max(m.users.watermarkMs, now) },
      locations: { ...m.locations, watermarkMs: Math.max(m.locations.watermarkMs, now) },
      floorMs: now,
    };
  }
  if (bulkRequestedAtMs !== null) {
    const p = await ports.store.bulkProgress(bulkRequestedAtMs);
    if (p.begun) bulkRequestedAtMs = null;
    else
      await ports.dispatch.bulk(
        bulkRequestedAtMs,
        p.refused,
        bulk ?? 'changes in Engage asked for a bulk run',
      );
  }
  // Read to Engage's now (a mass change stops early, but its bulk run covers the rest).
  await ports.store.save(s.holder, {
    usersWatermarkMs: m.users.watermarkMs,
    locationsWatermarkMs: m.locations.watermarkMs,
    bulkRequestedAtMs,
    floorMs: m.floorMs,
    caughtUpToMs: now,
  });
  return {
    held: true,
    memories: m,
    users: handoff.kind === 'users' ? handoff.ids.length : 0,
    bulk,
    caughtUpToMs: now,
  };
}

/**
 * The rows not handed on yet, page by page from the watermark minus the overlap (keyset on
 * (updated_at, id): many rows on one timestamp are all read), stopping once `enough` distinct fresh
 * ids are in hand.
 */
async function readFresh(
  read: (after: Cursor, limit: number) => Promise<ChangedRow[]>,
  memory: FeedMemory,
  floorMs: number,
  s: FeedSettings,
  enough: number,
): Promise<{ fresh: ChangedRow[]; memory: FeedMemory }> {
  // Rows at or before the floor are covered elsewhere: no need to read them at all.
  let cursor: Cursor = { atMs: Math.max(readFromMs(memory, s.overlapMs), floorMs), id: 0 };
  let m = memory;
  const fresh: ChangedRow[] = [];
  const ids = new Set<number>();
  for (;;) {
    const page = await read(cursor, s.pageSize);
    const taken = takeNew(m, page, s.overlapMs);
    m = taken.memory;
    for (const r of taken.fresh) {
      fresh.push(r);
      ids.add(r.id);
    }
    if (page.length < s.pageSize || ids.size >= enough) return { fresh, memory: m };
    const last = page[page.length - 1]!;
    cursor = { atMs: last.updatedAtMs, id: last.id };
  }
}
