// Issue 14, defect 10: syncLocations and sendPendingInvitations run beside their own retry. Two
// attempts of one activity in MockActivityEnvironments over one set of fakes: the first one times
// out mid-way (cancelled) and Temporal starts the second, whose scheduled time is later.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createSyncActivities } from '../../activities/sync';
import { seedLinked } from '../engine/builders';
import { FakeFences } from '../engine/fake-fences';
import { engageLocation, engageUser, type FakeWorld, fakeWorld } from '../engine/fakes';
import { gate, until } from '../engine/gates';

const quiet = { logger: new DefaultLogger('ERROR') };

/** Attempt `attempt` of one activity, scheduled at `scheduledMs`. */
function attemptEnv(attempt: number, scheduledMs: number) {
  const e = new MockActivityEnvironment({ attempt, currentAttemptScheduledTimestampMs: scheduledMs }, quiet);
  const beats: unknown[] = [];
  e.on('heartbeat', (d: unknown) => beats.push(d));
  return {
    beats,
    run: <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
      e.run(fn as never, ...args) as Promise<R>,
    cancel: () => e.cancel(),
  };
}

function fencedWorld(): { w: FakeWorld; fences: FakeFences; acts: ReturnType<typeof createSyncActivities> } {
  const w = fakeWorld();
  const fences = new FakeFences();
  return { w, fences, acts: createSyncActivities({ ...w.engine, concurrency: 1, fences }) };
}

describe('fenced activities (issue 14, defect 10)', () => {
  it('syncLocations: a timed-out attempt stops at its next create, the retry waits for it; no duplicate', async () => {
    const { w, acts } = fencedWorld();
    for (let id = 1; id <= 6; id++) w.engage.locations.push(engageLocation(id));
    // A real Visitor does not refuse a second location with the same externalId.
    const held = gate();
    const creates: string[] = [];
    let n = 0;
    w.visitor.createLocation = async (body) => {
      creates.push(body.externalId!);
      await held.opened;
      const location = {
        schemas: [],
        id: `v-${++n}`,
        name: body.name,
        isDefault: false,
        externalId: body.externalId,
      };
      w.visitor.locations.push(location as never);
      return { location: location as never, adopted: false };
    };
    const first = attemptEnv(1, 1_000);
    const running = first.run(acts.syncLocations, { runId: 'r1', dryRun: false });
    await until(() => creates.length === 2);
    first.cancel(); // timed out: Temporal schedules attempt 2
    const retry = attemptEnv(2, 2_000);
    const second = retry.run(acts.syncLocations, { runId: 'r1', dryRun: false });
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(creates.length, 2, 'the retry creates nothing while the first attempt still writes');
    held.open();
    await assert.rejects(running, (err) => err instanceof CancelledFailure);
    const r = await second;
    assert.equal(r.defaultLocationId, 'loc-default');
    const ext = w.visitor.locations.filter((l) => !l.isDefault).map((l) => l.externalId!);
    assert.deepEqual(ext.sort(), ['1', '2', '3', '4', '5', '6'], 'each location created once');
    assert.ok(retry.beats.length > 0, 'the retry heartbeats');
  });

  it('sendPendingInvitations: the retry waits for the send in flight; nobody is e-mailed twice', async () => {
    const { w, acts } = fencedWorld();
    for (let id = 1; id <= 4; id++) {
      seedLinked(w, id, { invitationStatus: 'pending', invitationRunId: 'r1', createdByRun: 'r1' });
      w.engage.add(engageUser(id));
    }
    const held = gate();
    const sends: string[] = [];
    const send = w.visitor.sendInvitation.bind(w.visitor);
    w.visitor.sendInvitation = async (id: string) => {
      sends.push(id);
      await held.opened;
      return send(id);
    };
    const first = attemptEnv(1, 1_000);
    const running = first.run(acts.sendPendingInvitations, { runId: 'r1', limit: 500 });
    await until(() => sends.length === 1);
    first.cancel();
    const second = attemptEnv(2, 2_000).run(acts.sendPendingInvitations, { runId: 'r1', limit: 500 });
    for (let i = 0; i < 20; i++) await tick();
    held.open();
    await running.catch(() => undefined); // its result no longer counts: the attempt timed out
    assert.deepEqual(await second, { sent: 3, skipped: 0, remaining: 0 });
    assert.equal(new Set(sends).size, sends.length, `an invitation sent twice: ${sends.join(', ')}`);
  });

  it('an attempt scheduled before the holder never writes', async () => {
    const { w, acts } = fencedWorld();
    w.engage.locations.push(engageLocation(1));
    await attemptEnv(2, 2_000).run(acts.syncLocations, { runId: 'r1', dryRun: false });
    w.visitor.calls = [];
    await assert.rejects(attemptEnv(1, 1_000).run(acts.syncLocations, { runId: 'r1', dryRun: false }));
    assert.deepEqual(w.visitor.calls, []);
  });
});
