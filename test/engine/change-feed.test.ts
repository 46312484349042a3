// One poll of the change feed over fakes: what it hands on, when, and what it saves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangedRow } from '../../domain/change-window';
import {
  type ChangeSource,
  type Cursor,
  type FeedMemories,
  type FeedState,
  type FeedStore,
  pollChangeFeed,
} from '../../engine/change-feed';

/** Engage's rows: each visible from `committedAt` (a late commit keeps its older stamp). */
class FakeEngage implements ChangeSource {
  now = 10_000;
  users: (ChangedRow & { committedAt: number })[] = [];
  locations: (ChangedRow & { committedAt: number })[] = [];
  reads = 0;
  async nowMs() {
    return this.now;
  }
  #read(rows: (ChangedRow & { committedAt: number })[], after: Cursor, until: number, limit: number) {
    this.reads++;
    return rows
      .filter((r) => r.committedAt <= this.now && r.updatedAtMs <= until)
      .filter((r) => r.updatedAtMs > after.atMs || (r.updatedAtMs === after.atMs && r.id > after.id))
      .sort((a, b) => a.updatedAtMs - b.updatedAtMs || a.id - b.id)
      .slice(0, limit)
      .map(({ id, updatedAtMs }) => ({ id, updatedAtMs }));
  }
  async changedUsers(after: Cursor, until: number, limit: number) {
    return this.#read(this.users, after, until, limit);
  }
  async changedLocations(after: Cursor, until: number, limit: number) {
    return this.#read(this.locations, after, until, limit);
  }
  /** A change stamped `at` (its transaction's start), committed at `committedAt`. */
  touchUser(id: number, at = this.now, committedAt = at) {
    this.users = this.users.filter((u) => u.id !== id);
    this.users.push({ id, updatedAtMs: at, committedAt });
  }
}

class FakeStore implements FeedStore {
  state: FeedState = {
    usersWatermarkMs: null,
    locationsWatermarkMs: null,
    bulkRequestedAtMs: null,
    floorMs: null,
  };
  holder: string | null = null;
  saves: (FeedState & { caughtUpToMs: number })[] = [];
  bulkBegun = false;
  refused = 0;
  failNextSave = false;
  async claim(holder: string) {
    if (this.holder && this.holder !== holder) return null;
    this.holder = holder;
    return { ...this.state };
  }
  async save(_holder: string, s: FeedState & { caughtUpToMs: number }) {
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error('the sync database went away');
    }
    this.saves.push(s);
    const { caughtUpToMs: _c, ...state } = s;
    this.state = state;
  }
  async bulkProgress() {
    return { begun: this.bulkBegun, refused: this.refused };
  }
}

function world(bulkThreshold = 100) {
  const engage = new FakeEngage();
  const store = new FakeStore();
  const handed: number[][] = [];
  const bulks: { at: number; attempt: number; reason: string }[] = [];
  const dispatch = {
    users: async (ids: number[]) => {
      handed.push(ids);
    },
    bulk: async (at: number, attempt: number, reason: string) => {
      bulks.push({ at, attempt, reason });
    },
  };
  let memories: FeedMemories | undefined;
  const settings = { holder: 'w1', leaseMs: 30_000, overlapMs: 5_000, bulkThreshold, pageSize: 10 };
  const poll = async (o: { holder?: string; forget?: boolean } = {}) => {
    if (o.forget) memories = undefined;
    const r = await pollChangeFeed({ source: engage, store, dispatch }, memories, {
      ...settings,
      holder: o.holder ?? 'w1',
    });
    if (r.held) memories = r.memories;
    return r;
  };
  return { engage, store, handed, bulks, poll };
}

describe('change feed poll', () => {
  it('starts at Engage’s now: what changed before is left to the initial and daily runs, and not even read', async () => {
    const w = world();
    for (let id = 1; id <= 100; id++) w.engage.touchUser(id, 9_000 + id);
    await w.poll();
    assert.deepEqual(w.handed, []);
    assert.equal(w.engage.reads, 2, 'one query per table: the rows before the start are not paged through');
    assert.equal(w.store.state.usersWatermarkMs, 10_000);
  });

  it('hands a changed user on once, coalescing changes within a poll, and saves the watermark after', async () => {
    const w = world();
    await w.poll();
    w.engage.now = 11_000;
    w.engage.touchUser(5, 10_500);
    w.engage.touchUser(5, 10_900); // changed again: its latest row
    w.engage.touchUser(6, 10_900);
    await w.poll();
    assert.deepEqual(w.handed, [[5, 6]]);
    w.engage.now = 12_000;
    await w.poll();
    assert.deepEqual(w.handed, [[5, 6]], 'a re-read of the overlap hands nothing on twice');
    assert.equal(w.store.saves.at(-1)!.usersWatermarkMs, 10_900);
    assert.equal(w.store.saves.at(-1)!.caughtUpToMs, 12_000);
  });

  it('catches a transaction that committed late with an older stamp (within the overlap)', async () => {
    const w = world();
    await w.poll();
    w.engage.now = 11_000;
    w.engage.touchUser(1, 10_800);
    w.engage.touchUser(2, 10_200, 12_500); // began at 10.2 s, committed at 12.5 s
    await w.poll();
    assert.deepEqual(w.handed, [[1]]);
    w.engage.now = 13_000;
    await w.poll();
    assert.deepEqual(w.handed, [[1], [2]], 'the late row is read on the next poll');
  });

  it('reads every row of a timestamp shared by more rows than a page', async () => {
    const w = world();
    await w.poll();
    w.engage.now = 11_000;
    for (let id = 1; id <= 35; id++) w.engage.touchUser(id, 10_500);
    await w.poll();
    assert.deepEqual(
      w.handed.flat().sort((a, b) => a - b),
      Array.from({ length: 35 }, (_, i) => i + 1),
    );
  });

  it('a mass change becomes one bulk run, asked for again until it begins, and those users are not handed on later', async () => {
    const w = world(20);
    await w.poll();
    w.engage.now = 11_000;
    for (let id = 1; id <= 50; id++) w.engage.touchUser(id, 10_500);
    const r = await w.poll();
    assert.match(String(r.held && r.bulk), /^\d+ users changed at once \(over 20\)$/);
    assert.deepEqual(w.handed, []);
    assert.equal(w.bulks.length, 1);
    assert.equal(w.store.state.bulkRequestedAtMs, 11_000);
    w.engage.now = 12_000;
    await w.poll();
    assert.equal(w.bulks.length, 2, 'not begun yet: asked for again');
    assert.deepEqual([w.bulks[1]!.at, w.bulks[1]!.attempt], [11_000, 0], 'the same request, the same run id');
    w.store.refused = 1; // another bulk run held the lock: that attempt was skipped
    w.engage.now = 12_500;
    await w.poll();
    assert.deepEqual([w.bulks[2]!.at, w.bulks[2]!.attempt], [11_000, 1], 'a new attempt, its own run id');
    w.store.bulkBegun = true;
    w.engage.now = 13_000;
    await w.poll();
    assert.equal(w.store.state.bulkRequestedAtMs, null, 'begun: the request is done');
    assert.deepEqual(w.handed, [], 'the bulk run covers those users');
    w.engage.now = 13_500;
    await w.poll({ forget: true }); // another worker (or a restart) takes the feed over
    assert.deepEqual(
      [w.handed, w.bulks.length],
      [[], 3],
      'the saved floor: no second bulk run, no per-user runs',
    );
  });

  it('a changed location asks for the location reconcile (a bulk run)', async () => {
    const w = world();
    await w.poll();
    w.engage.now = 11_000;
    w.engage.locations.push({ id: 3, updatedAtMs: 10_700, committedAt: 10_700 });
    const r = await w.poll();
    assert.equal(r.held && r.bulk, '1 location(s) changed in Engage');
  });

  it('reads nothing while another worker holds the lease', async () => {
    const w = world();
    await w.poll({ holder: 'w1' });
    const reads = w.engage.reads;
    const r = await w.poll({ holder: 'w2' });
    assert.deepEqual(r, { held: false });
    assert.equal(w.engage.reads, reads);
  });

  it('a crash after the hand-off and before the save hands the change on again (at least once), never loses it', async () => {
    const w = world();
    await w.poll();
    w.engage.now = 11_000;
    w.engage.touchUser(9, 10_600);
    w.store.failNextSave = true;
    await assert.rejects(w.poll(), /went away/);
    w.engage.now = 12_000;
    await w.poll({ forget: true }); // a restarted worker: memory lost, the saved watermark is older
    assert.deepEqual(w.handed, [[9], [9]]);
  });
});
