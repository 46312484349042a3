// engine/attempt-fence.ts (issue 14, defect 10): an attempt that timed out stops at its next write,
// and its retry writes only once it let go, so nothing reaches Visitor twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AttemptFence,
  AttemptStoppedError,
  AttemptSupersededError,
  withAttemptFence,
} from '../../engine/attempt-fence';
import type { Engine } from '../../engine/engine';
import { sendPendingInvitations } from '../../engine/invitations';
import { reconcileLocations } from '../../engine/reconcile-locations';
import { seedLinked } from './builders';
import { FakeFences } from './fake-fences';
import { engageLocation, engageUser, type FakeWorld, fakeWorld, RecordingProgress } from './fakes';
import { gate, until } from './gates';

/** w's Visitor with one method replaced, for one attempt's engine. */
function withMethod<K extends keyof Engine['visitor']>(
  w: FakeWorld,
  name: K,
  fn: Engine['visitor'][K],
): Engine['visitor'] {
  return new Proxy(w.visitor, {
    get: (target, p) => {
      if (p === name) return fn;
      const v = Reflect.get(target, p);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * A Visitor that, like a real one, does not refuse a second location with the same externalId, and
 * whose writes wait at `held` until it opens; each write is tagged with the attempt that made it.
 */
function slowVisitor(w: FakeWorld, held: Promise<void>) {
  const writes: { attempt: string; externalId: string }[] = [];
  let nextId = 1;
  const forAttempt = (attempt: string) =>
    withMethod(w, 'createLocation', async (body) => {
      writes.push({ attempt, externalId: body.externalId! });
      await held;
      const location = {
        schemas: [],
        id: `dup-${nextId++}`,
        name: body.name,
        isDefault: false,
        externalId: body.externalId,
      };
      w.visitor.locations.push(location as never);
      return { location: location as never, adopted: false };
    });
  return { writes, forAttempt };
}

const KEY = 'locations:r1';

describe('withAttemptFence: syncLocations', () => {
  it('a timed-out attempt stops at its next create and its retry waits for it: each location once', async () => {
    const w = fakeWorld();
    for (let id = 1; id <= 6; id++) w.engage.locations.push(engageLocation(id));
    const held = gate();
    const visitor = slowVisitor(w, held.opened);
    const fences = new FakeFences();
    const attempt = (name: string, token: number, progress: RecordingProgress) => {
      const engine: Engine = { ...w.engine, concurrency: 1, fences, visitor: visitor.forAttempt(name) };
      return withAttemptFence(engine.fences, KEY, token, progress, (fence) =>
        reconcileLocations(engine, { runId: 'r1', dryRun: false }, { progress, fence }),
      );
    };

    const p1 = new RecordingProgress();
    const first = attempt('first', 1_000, p1);
    await until(() => visitor.writes.length === 2); // two lanes: two creates in flight
    p1.abort(); // its start-to-close or heartbeat time-out: Temporal schedules the retry
    const p2 = new RecordingProgress();
    const retry = attempt('retry', 2_000, p2);
    await until(() => fences.waits > 0);
    assert.equal(visitor.writes.length, 2, 'the retry writes nothing while the first attempt holds on');
    held.open();

    await assert.rejects(first, AttemptStoppedError);
    const r = await retry;
    assert.equal(visitor.writes.filter((x) => x.attempt === 'first').length, 2, 'no create once cancelled');
    const externalIds = w.visitor.locations.filter((l) => !l.isDefault).map((l) => l.externalId);
    assert.deepEqual(externalIds.sort(), ['1', '2', '3', '4', '5', '6'], 'every location once');
    assert.equal(r.counts.created + r.counts.updated, 4, 'the retry adopted the two the first one created');
    assert.ok(
      p2.beats.some((b) => JSON.stringify(b).includes(KEY)),
      'the retry heartbeats while it waits',
    );
  });

  it('heartbeats once its reads are done, then at most once a second as locations are done', async () => {
    const w = fakeWorld();
    for (let id = 1; id <= 4; id++) w.engage.locations.push(engageLocation(id));
    const create = w.visitor.createLocation.bind(w.visitor);
    w.visitor.createLocation = async (body) => {
      w.clock.advance(600); // each create takes 0.6 s
      return create(body);
    };
    const progress = new RecordingProgress();
    const engine: Engine = { ...w.engine, concurrency: 1 };
    await reconcileLocations(engine, { runId: 'r1', dryRun: false }, { progress, fence: holder() });
    assert.deepEqual(progress.beats[0], {
      locations: {
        created: 0,
        updated: 0,
        unchanged: 0,
        matched: 0,
        awaitingMatch: 0,
        orphaned: 0,
        failed: 0,
      },
    });
    assert.ok(
      progress.beats.length >= 2 && progress.beats.length <= 3,
      `beats: ${JSON.stringify(progress.beats)}`,
    );
  });

  it('an attempt older than the holder is refused before it reads or writes anything', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    const fences = new FakeFences();
    const engine: Engine = { ...w.engine, fences };
    const progress = new RecordingProgress();
    await withAttemptFence(fences, KEY, 2_000, progress, (fence) =>
      reconcileLocations(engine, { runId: 'r1', dryRun: false }, { progress, fence }),
    );
    w.visitor.calls = [];
    await assert.rejects(
      withAttemptFence(fences, KEY, 1_000, progress, (fence) =>
        reconcileLocations(engine, { runId: 'r1', dryRun: false }, { progress, fence }),
      ),
      AttemptSupersededError,
    );
    assert.deepEqual(w.visitor.calls, []);
  });

  it('an attempt that lost its hold writes nothing more', async () => {
    const w = fakeWorld();
    for (let id = 1; id <= 3; id++) w.engage.locations.push(engageLocation(id));
    const fences = new FakeFences();
    const engine: Engine = { ...w.engine, concurrency: 1, fences };
    const create = w.visitor.createLocation.bind(w.visitor);
    w.visitor.createLocation = async (body) => {
      const r = await create(body);
      fences.drop(KEY); // its database session ended after the first create
      return r;
    };
    const progress = new RecordingProgress();
    await assert.rejects(
      withAttemptFence(fences, KEY, 1_000, progress, (fence) =>
        reconcileLocations(engine, { runId: 'r1', dryRun: false }, { progress, fence }),
      ),
      AttemptSupersededError,
    );
    assert.ok(w.visitor.count('createLocation') <= 2, 'at most the creates already under way');
  });
});

/** A fence that always holds. */
const holder = (): AttemptFence => ({ assertHolder: async () => {} });

describe('withAttemptFence: sendPendingInvitations', () => {
  it('a timed-out attempt stops after the send in flight and its retry waits: nobody e-mailed twice', async () => {
    const w = fakeWorld();
    for (let id = 1; id <= 5; id++) {
      seedLinked(w, id, { invitationStatus: 'pending', invitationRunId: 'r1', createdByRun: 'r1' });
      w.engage.add(engageUser(id));
    }
    const held = gate();
    const calls: { attempt: string; id: string }[] = [];
    const send = w.visitor.sendInvitation.bind(w.visitor);
    const fences = new FakeFences();
    const attempt = (name: string, token: number, progress: RecordingProgress) => {
      const engine: Engine = {
        ...w.engine,
        fences,
        visitor: withMethod(w, 'sendInvitation', async (id: string) => {
          calls.push({ attempt: name, id });
          await held.opened;
          return send(id);
        }),
      };
      return withAttemptFence(engine.fences, 'invitations:r1', token, progress, (fence) =>
        sendPendingInvitations(engine, { runId: 'r1', limit: 500 }, progress, fence),
      );
    };
    const p1 = new RecordingProgress();
    const first = attempt('first', 1_000, p1);
    await until(() => calls.length === 1);
    p1.abort();
    const retry = attempt('retry', 2_000, new RecordingProgress());
    await until(() => fences.waits > 0);
    held.open();
    assert.deepEqual(await first, { sent: 1, skipped: 0, remaining: 1 });
    assert.deepEqual(await retry, { sent: 4, skipped: 0, remaining: 0 });
    const ids = calls.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, `a send repeated: ${JSON.stringify(calls)}`);
    assert.equal(ids.length, 5);
  });
});
