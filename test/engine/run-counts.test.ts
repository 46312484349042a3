// engine/run-counts.ts and the log committed with the state (issue 14, defect 11): a page attempt that
// dies mid-way loses no log entry for what reached Visitor, and the run's counts, derived from what
// was recorded, include what the dead attempt did.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcilePage } from '../../engine/reconcile-page';
import { countsOf, runCounts } from '../../engine/run-counts';
import { finishRun } from '../../engine/runs';
import { openDailyRun, pageInput } from './builders';
import { engageUser, type FakeWorld, fakeWorld, RecordingProgress } from './fakes';

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Visitor creates the first `n` users, then never answers again (the worker dies during the call). */
function dieAfterCreates(w: FakeWorld, n: number) {
  const create = w.visitor.createUser.bind(w.visitor);
  let made = 0;
  w.visitor.createUser = (body, o) => (made++ < n ? create(body, o) : new Promise<never>(() => {}));
  return () => {
    w.visitor.createUser = create;
  };
}

describe('a page attempt that dies mid-way', () => {
  it('leaves an entry for every user it created, and the run counts them all', async () => {
    const w = fakeWorld();
    await openDailyRun(w, 'r1');
    w.engage.add(...ids(1, 30).map((id) => engageUser(id)));
    const revive = dieAfterCreates(w, 12);
    // The first attempt is abandoned where it hangs, as a SIGKILLed worker leaves it.
    void reconcilePage(w.engine, pageInput('r1'), { progress: new RecordingProgress(), attempt: 1 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.visitor.users.size, 12);
    const createdBeforeDeath = w.store.logs.filter((l) => l.outcome === 'created').length;
    assert.equal(createdBeforeDeath, 12, 'each create committed its entry with its state');

    revive();
    const second = await reconcilePage(w.engine, pageInput('r1'), {
      progress: new RecordingProgress(),
      attempt: 2,
    });
    // This attempt alone saw 12 users done already ("unchanged"): its counts are not the run's.
    assert.deepEqual(second.counts, { unchanged: 12, created: 18, invited: 18 });
    const created = w.store.logs.filter((l) => l.outcome === 'created').map((l) => l.engage_id);
    assert.deepEqual(
      created.sort((a, b) => a! - b!),
      ids(1, 30),
    );
    assert.deepEqual((await runCounts(w.engine, { runId: 'r1' })).counts, { created: 30, invited: 30 });

    const finished = await finishRun(w.engine, {
      runId: 'r1',
      status: 'completed',
      counts: second.counts,
      reason: null,
    });
    assert.deepEqual(finished.counts, { created: 30, invited: 30 });
    assert.deepEqual(w.store.runs.get('r1')!.counts, { created: 30, invited: 30 });
  });

  it('a daily page retried after its updates counts them as updated, the rest unchanged', async () => {
    const w = fakeWorld();
    w.engage.add(...ids(1, 20).map((id) => engageUser(id)));
    await reconcilePage(w.engine, pageInput('r0'), { progress: new RecordingProgress(), attempt: 1 });
    for (const id of ids(1, 5))
      w.engage.add(engageUser(id, { familyName: `New${id}`, sourceDigest: `digest-${id}-v2` }));
    const daily = pageInput('r1', { kind: 'daily' });
    await reconcilePage(w.engine, daily, { progress: new RecordingProgress(), attempt: 1 });
    const again = await reconcilePage(w.engine, daily, { progress: new RecordingProgress(), attempt: 2 });
    assert.deepEqual(again.counts, { unchanged: 20 });
    assert.deepEqual((await runCounts(w.engine, { runId: 'r1' })).counts, { updated: 5, unchanged: 15 });
  });
});

describe('countsOf', () => {
  it('counts each kind of newest entry; the rest of the pages are unchanged', () => {
    assert.deepEqual(
      countsOf({
        processed: 100,
        outcomes: [
          { action: 'create', outcome: 'created', invited: true, invitation: 'sent', n: 10 },
          { action: 'create', outcome: 'created', invited: false, invitation: 'pending', n: 3 },
          { action: 'adopt', outcome: 'adopted', invited: false, invitation: 'skipped', n: 2 },
          { action: 'write', outcome: 'failed', invited: false, invitation: null, n: 4 },
          { action: 'validate', outcome: 'failed', invited: false, invitation: null, n: 1 },
          { action: 'deactivate', outcome: 'deactivated', invited: false, invitation: null, n: 6 },
        ],
        heldDeletions: 8,
        heldNotLogged: 2,
        heldForDecision: 3,
      }),
      {
        created: 13,
        invited: 10,
        invitationsPending: 3,
        adopted: 2,
        failed: 5,
        writeFailures: 4,
        deactivated: 6,
        pendingDeletion: 8,
        held: 3,
        unchanged: 100 - 26 - 2,
      },
    );
  });

  it('a dry run counts its plans by the action they name', () => {
    assert.deepEqual(
      countsOf({
        processed: 5,
        outcomes: [
          { action: 'create', outcome: 'planned', invited: false, invitation: null, n: 2 },
          { action: 'read', outcome: 'planned', invited: false, invitation: null, n: 1 },
        ],
        heldDeletions: 0,
        heldNotLogged: 0,
        heldForDecision: 0,
      }),
      { created: 2, failed: 1, unchanged: 2 },
    );
  });
});
