// engine/reconcile-page.ts under a slow Visitor: a page returns at its time budget with the rest of
// its range left, a retry resumes from its last heartbeat, and a page whose users wait still beats.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PageBeat, reconcilePage } from '../../engine/reconcile-page';
import { countsOf } from '../../engine/run-counts';
import { pageInput } from './builders';
import { engageUser, fakeWorld, RecordingProgress } from './fakes';

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Each create takes `ms` of the fake clock. */
function slowCreates(w: ReturnType<typeof fakeWorld>, ms: number) {
  const create = w.visitor.createUser.bind(w.visitor);
  w.visitor.createUser = async (body, o) => {
    w.clock.advance(ms);
    return create(body, o);
  };
}

describe('reconcilePage: a time budget', () => {
  it('returns at its budget with the rest of the range left, and the rest finishes it: each user once', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 40).map((id) => engageUser(id)));
    w.engine.concurrency = 1; // one user at a time (2 in flight): the budget falls mid-range
    slowCreates(w, 1_000);
    const first = await reconcilePage(w.engine, pageInput('r1', { timeBudgetMs: 10_000 }), {
      progress: new RecordingProgress(),
      attempt: 1,
    });
    assert.ok(first.resumeAfterId !== undefined, 'returned with users left');
    assert.ok(first.resumeAfterId < 40);
    const doneFirst = w.visitor.users.size;
    assert.ok(doneFirst >= first.resumeAfterId, 'every user up to the mark is in Visitor');
    assert.ok(doneFirst < 40);
    assert.equal(first.processed, first.resumeAfterId, 'the part counts the users up to its mark');

    const rest = await reconcilePage(
      w.engine,
      pageInput('r1', { afterId: first.resumeAfterId, timeBudgetMs: null }),
      {
        progress: new RecordingProgress(),
        attempt: 1,
      },
    );
    assert.equal(rest.resumeAfterId, undefined);
    assert.equal(w.visitor.users.size, 40);
    assert.equal(w.visitor.count('createUser'), 40, 'no user created twice');
    // The run's record: 40 processed over the two parts, each user counted once.
    const counts = countsOf(await w.store.runRecord('r1'));
    assert.equal(counts.created, 40);
    assert.equal(counts.unchanged ?? 0, 0);
  });

  it('never returns before a user is done, however short the budget', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 3).map((id) => engageUser(id)));
    w.engine.concurrency = 1;
    slowCreates(w, 5_000);
    const r = await reconcilePage(w.engine, pageInput('r1', { timeBudgetMs: 1 }), {
      progress: new RecordingProgress(),
      attempt: 1,
    });
    assert.ok(w.visitor.users.size >= 1);
    if (r.resumeAfterId !== undefined) assert.ok(r.resumeAfterId >= 1);
  });
});

describe('reconcilePage: resuming a retried attempt', () => {
  it('starts after the mark its last heartbeat carried and records the whole range', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 30).map((id) => engageUser(id)));
    w.engine.concurrency = 1;
    // The first attempt dies after 12 users: its last beat says where it got to.
    const progress = new RecordingProgress();
    let created = 0;
    const create = w.visitor.createUser.bind(w.visitor);
    w.visitor.createUser = async (body, o) => {
      w.clock.advance(1_000);
      const r = await create(body, o);
      if (++created === 12) progress.abort();
      return r;
    };
    await reconcilePage(w.engine, pageInput('r1'), { progress, attempt: 1 }).catch(() => undefined);
    const last = progress.beats.at(-1) as PageBeat;
    assert.ok(last.resume, 'the beat carries a resume mark');
    assert.ok(last.resume.afterId >= 10 && last.resume.afterId <= 12, `mark ${last.resume.afterId}`);

    const before = w.engage.calls.length;
    const retry = await reconcilePage(w.engine, pageInput('r1'), {
      progress: new RecordingProgress(),
      attempt: 2,
      resume: last.resume,
    });
    assert.equal(w.visitor.users.size, 30);
    assert.equal(w.visitor.count('createUser'), 30, 'no user sent twice');
    assert.equal(retry.processed, 30, 'the record covers the whole range');
    assert.ok(w.engage.calls.length > before);
  });
});

describe('reconcilePage: heartbeats while users wait', () => {
  it('beats on a timer when no user finishes (users waiting for their turn under a rate limit)', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1));
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const create = w.visitor.createUser.bind(w.visitor);
    w.visitor.createUser = async (body, o) => {
      await held;
      return create(body, o);
    };
    const progress = new RecordingProgress();
    const page = reconcilePage(w.engine, pageInput('r1'), { progress, attempt: 1 });
    await new Promise((r) => setTimeout(r, 2_300));
    const beatsWhileWaiting = progress.beats.length;
    release();
    await page;
    // One before planning, then about one a second though no user finished.
    assert.ok(beatsWhileWaiting >= 3, `${beatsWhileWaiting} beats in 2.3 s`);
  });
});
