// activities/sync: the Temporal adapters over the engine, run in a MockActivityEnvironment over the
// fakes: heartbeats and cancellation through the activity context, errors mapped to failures, the
// attempt number handed to the engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pg from 'pg';
import { toActivityFailure } from '../../activities/failures';
import { createSyncActivities } from '../../activities/sync';
import { configCondition } from '../../db/error-kind';
import { FAILURE_TYPES } from '../../domain/failure-types';
import { EngineConfigError, noDefaultLocation } from '../../engine/errors';
import { errorForStatus, VisitorScimError } from '../../scim/errors';
import { pageInput, seedLinked } from '../engine/builders';
import { engageLocation, engageUser, type FakeWorld, fakeWorld, visitorError } from '../engine/fakes';

const quiet = { logger: new DefaultLogger('ERROR') };
/** A mock activity environment whose `run` keeps the activity's own types. */
function env(info: { attempt?: number } = {}) {
  const e = new MockActivityEnvironment(info, quiet);
  return {
    run: <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
      e.run(fn as never, ...args) as Promise<R>,
    on: (event: 'heartbeat', listener: (details: unknown) => void) => e.on(event, listener),
    cancel: () => e.cancel(),
  };
}

function world(users: number) {
  const w = fakeWorld();
  for (let id = 1; id <= users; id++) w.engage.add(engageUser(id));
  return { w, acts: createSyncActivities(w.engine) };
}

/** An error as node-postgres raises it for a server ErrorResponse. */
const pgError = (code: string, message: string) =>
  Object.assign(new pg.DatabaseError(message, message.length, 'error'), { code, severity: 'ERROR' });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Holds every createUser of `w` until released; counts the calls that entered. */
function holdCreates(w: FakeWorld) {
  const gate = deferred();
  const first = deferred();
  const create = w.visitor.createUser.bind(w.visitor);
  const hold = { entered: 0, release: gate.resolve, firstEntered: first.promise };
  w.visitor.createUser = async (body, o) => {
    hold.entered++;
    first.resolve();
    await gate.promise;
    return create(body, o);
  };
  return hold;
}

/** The ApplicationFailure an activity rejected with. */
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, not ${String(err)}`);
    return err;
  }
  assert.fail('the activity did not fail');
}

describe('sync activities: heartbeats and cancellation', () => {
  it('a page activity heartbeats its progress through the activity context', async () => {
    const { w, acts } = world(3);
    const e = env();
    const beats: unknown[] = [];
    e.on('heartbeat', (d) => beats.push(d));
    const r = await e.run(acts.syncUserPage, pageInput('r1'));
    assert.deepEqual(r.counts, { created: 3, invited: 3 });
    // Once its reads are done (before planning anyone), then as users finish.
    assert.deepEqual(beats[0], { done: 0, of: 3, resume: null });
    assert.equal(w.visitor.users.size, 3);
  });

  it('deletions and invitations heartbeat too', async () => {
    const { w, acts } = world(0);
    // user 1: still in Engage, its invitation due; user 2: left Engage, its deletion pending
    seedLinked(w, 1, { invitationStatus: 'pending', invitationRunId: 'r1' });
    w.engage.add(engageUser(1));
    const v2 = seedLinked(w, 2);
    w.store.seedDeletion({
      runId: 'r1',
      engageUserId: 2,
      visitorUserId: v2,
      mode: 'delete',
      reason: 'removed_from_engage',
    });
    const e = env();
    const beats: unknown[] = [];
    e.on('heartbeat', (d) => beats.push(d));
    assert.deepEqual(await e.run(acts.sendPendingInvitations, { runId: 'r1', limit: 10 }), {
      sent: 1,
      skipped: 0,
      remaining: 0,
    });
    assert.deepEqual(beats, [1]);
    assert.deepEqual(await e.run(acts.applyDeletions, { runId: 'r1', limit: 10 }), {
      applied: 1,
      counts: { deleted: 1 },
      remaining: 0,
    });
    assert.deepEqual(beats, [1, 1]);
    assert.equal(w.visitor.users.has(v2), false);
  });

  it('cancelled while a page is in flight: rejects with CancelledFailure, starts no further user', async () => {
    const { w, acts } = world(40);
    const hold = holdCreates(w);
    const e = env();
    const running = e.run(acts.syncUserPage, pageInput('r1'));
    await hold.firstEntered;
    await tick(); // let every lane reach Visitor
    const inFlight = hold.entered;
    assert.ok(inFlight > 0 && inFlight < 40);
    e.cancel();
    hold.release();
    await assert.rejects(running, (err) => err instanceof CancelledFailure);
    assert.equal(hold.entered, inFlight, 'no user started after the cancellation');
    assert.equal(w.store.users.size, inFlight, 'the users under way were finished and saved');
    assert.equal(w.visitor.users.size, inFlight);
  });

  it('a deletion batch cancelled mid-way (a worker shutting down) returns what it applied, work remaining', async () => {
    const { w, acts } = world(0);
    for (let id = 1; id <= 30; id++) {
      const visitorUserId = seedLinked(w, id);
      w.store.seedDeletion({ runId: 'r1', engageUserId: id, visitorUserId, mode: 'delete', reason: 'left' });
    }
    const gate = deferred();
    const first = deferred();
    const del = w.visitor.deleteUser.bind(w.visitor);
    let entered = 0;
    w.visitor.deleteUser = async (id) => {
      entered++;
      first.resolve();
      await gate.promise;
      return del(id);
    };
    const e = env();
    const running = e.run(acts.applyDeletions, { runId: 'r1', limit: 200 });
    await first.promise;
    await tick();
    e.cancel();
    gate.resolve();
    const r = await running;
    assert.equal(r.applied, entered, 'the deletions under way were finished and counted');
    assert.ok(r.applied > 0 && r.applied < 30);
    assert.equal(r.remaining, 30 - r.applied, 'the rest is left for the next batch');
    assert.deepEqual(r.counts, { deleted: r.applied });
  });

  it('cancelled before it starts: no user at all', async () => {
    const { w, acts } = world(5);
    const e = env();
    e.cancel();
    await assert.rejects(e.run(acts.syncUserPage, pageInput('r1')), CancelledFailure);
    assert.equal(w.visitor.count('createUser'), 0);
  });
});

describe('sync activities: errors become Temporal failures', () => {
  it('Visitor 401 → non-retryable VisitorAuthError', async () => {
    const { w, acts } = world(3);
    w.visitor.failNext('createUser', visitorError(401));
    const f = await failureOf(env().run(acts.syncUserPage, pageInput('r1')));
    assert.equal(f.type, FAILURE_TYPES.visitorAuth);
    assert.equal(f.nonRetryable, true);
    assert.match(f.message, /VISITOR_SCIM_TOKEN/);
  });

  it('Visitor 503 with Retry-After → retryable, after the server’s delay', async () => {
    const { w, acts } = world(0);
    w.engage.locations.push(engageLocation(1));
    w.visitor.failNext(
      'createLocation',
      errorForStatus({ method: 'POST', route: '/Locations', status: 503 }, '7'),
    );
    const f = await failureOf(env().run(acts.syncLocations, { runId: 'r1', dryRun: false }));
    assert.equal(f.nonRetryable, false);
    assert.equal(f.type, 'VisitorServerError');
    assert.equal(f.nextRetryDelay, 7000);
    assert.deepEqual(f.details?.[0], {
      scimType: undefined,
      detail: undefined,
      status: 503,
      method: 'POST',
      route: '/Locations',
    });
  });

  it('Visitor without a default location → non-retryable ConfigError (locations and pages)', async () => {
    const { w, acts } = world(2);
    w.visitor.locations = [];
    for (const p of [
      env().run(acts.syncLocations, { runId: 'r1', dryRun: false }),
      env().run(acts.syncUserPage, pageInput('r1')),
    ]) {
      const f = await failureOf(p);
      assert.equal(f.type, FAILURE_TYPES.config);
      assert.equal(f.nonRetryable, true);
      assert.match(f.message, /no default location/);
    }
  });

  it('a page size no reader accepts → non-retryable ConfigError (the run fails, it does not hold the lock)', async () => {
    const { acts } = world(1);
    for (const pageSize of [0, 10_001, 2.5]) {
      const f = await failureOf(env().run(acts.partitionUsers, { pageSize }));
      assert.equal(f.type, FAILURE_TYPES.config);
      assert.equal(f.nonRetryable, true);
      assert.match(f.message, /pageSize must be a whole number from 1 to 10000/);
    }
  });

  it('PostgreSQL errors no retry cures → non-retryable ConfigError naming them (locations, planning, pages)', async () => {
    const { w, acts } = world(3);
    w.engage.allActiveLocations = async () => {
      throw pgError('42P01', 'relation "engage.locations" does not exist');
    };
    w.engage.pageBoundaries = async () => {
      throw pgError('42501', 'permission denied for table users');
    };
    w.store.failNext('saveUser', pgError('42703', 'column "plan_input" does not exist'));
    const cases: [Promise<unknown>, RegExp, string][] = [
      [
        env().run(acts.syncLocations, { runId: 'r1', dryRun: false }),
        /^PostgreSQL: relation "engage.locations" does not exist \(42P01 undefined_table\)/,
        '42P01',
      ],
      [
        env().run(acts.partitionUsers, { pageSize: 10 }),
        /^PostgreSQL: permission denied for table users \(42501 insufficient_privilege\)/,
        '42501',
      ],
      [
        env().run(acts.syncUserPage, pageInput('r1')),
        /^PostgreSQL: column "plan_input" does not exist \(42703 undefined_column\)/,
        '42703',
      ],
    ];
    for (const [p, message, sqlState] of cases) {
      const f = await failureOf(p);
      assert.equal(f.type, FAILURE_TYPES.config);
      assert.equal(f.nonRetryable, true);
      assert.match(f.message, message);
      assert.deepEqual(f.details?.[0], { sqlState, condition: configCondition(sqlState) });
    }
  });

  it('PostgreSQL errors a retry may cure pass through unchanged (Temporal retries them)', async () => {
    const { w, acts } = world(3);
    for (const err of [
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('40001', 'could not serialize access due to concurrent update'),
      pgError('53300', 'sorry, too many clients already'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ]) {
      w.store.failNext('saveUser', err);
      await assert.rejects(env().run(acts.syncUserPage, pageInput('r1')), (e) => e === err);
    }
  });

  it('a plain Error passes through unchanged (Temporal retries it)', async () => {
    const { w, acts } = world(3);
    const boom = new Error('database gone');
    w.store.failNext('saveUser', boom);
    await assert.rejects(env().run(acts.syncUserPage, pageInput('r1')), (err) => err === boom);
  });

  it('the short activities map errors too', async () => {
    const { w, acts } = world(0);
    w.store.failNext('log', new Error('log down'));
    await assert.rejects(env().run(acts.rejectDeletions, { runId: 'r1', by: 'x' }), /log down/);
    const probeFails = fakeWorld({
      workflowIsRunning: async () => {
        throw visitorError(503);
      },
    });
    const a = createSyncActivities(probeFails.engine);
    const begin = {
      runId: 'r1',
      kind: 'daily' as const,
      startedBy: 's',
      dryRun: false,
      workflowId: 'wf1',
      invitations: null,
      full: false,
    };
    await env().run(a.beginRun, begin);
    const f = await failureOf(env().run(a.beginRun, { ...begin, runId: 'r2', workflowId: 'wf2' }));
    assert.equal(f.nonRetryable, false);
  });
});

describe('sync activities: the attempt number reaches the engine', () => {
  /** `users` Engage users, the first createUser answered 503, and activities run on attempt `attempt`. */
  function firstCreateUnavailable(users: number, attempt: number) {
    const { w, acts } = world(users);
    w.visitor.failNext('createUser', visitorError(503));
    return { w, acts, run: env({ attempt }).run };
  }

  it('a transient per-user error fails the page on attempt 4 and is that user’s failure on attempt 5', async () => {
    const retried = firstCreateUnavailable(3, 4);
    const f = await failureOf(retried.run(retried.acts.syncUserPage, pageInput('r1')));
    assert.equal(f.nonRetryable, false, 'retried by Temporal');
    assert.equal(retried.w.store.failures.size, 0);
    const last = firstCreateUnavailable(3, 5);
    const r = await last.run(last.acts.syncUserPage, pageInput('r1'));
    assert.deepEqual(r.counts, { failed: 1, writeFailures: 1, created: 2, invited: 2 });
    assert.deepEqual(
      [...last.w.store.failures.values()].map((f) => f.codes),
      [['visitor_unavailable']],
    );
  });

  it('the single-user activity gets it too', async () => {
    const single = { runId: 'wf@1', engageUserId: 1, dryRun: false };
    const retried = firstCreateUnavailable(1, 1);
    await failureOf(retried.run(retried.acts.syncSingleUser, single));
    assert.equal(retried.w.store.failures.size, 0);
    const last = firstCreateUnavailable(1, 5);
    assert.deepEqual(await last.run(last.acts.syncSingleUser, single), {
      outcome: 'failed',
      invitationDueAtMs: null,
    });
    assert.ok(last.w.store.failures.has(1));
  });
});

describe('sync activities: a whole run through the adapters', () => {
  it('every activity reaches its engine call with its input', async () => {
    const { w, acts } = world(4);
    w.engage.locations.push(engageLocation(1));
    const e = env();
    const begun = await e.run(acts.beginRun, {
      runId: 'r1',
      kind: 'initial',
      startedBy: 'test',
      dryRun: false,
      workflowId: 'wf',
      invitations: { mode: 'delay', delayMs: 60_000 },
      full: null,
    });
    assert.deepEqual(begun, {
      status: 'started',
      invitations: { mode: 'delay', delayMs: 60_000 },
      full: false,
    });
    assert.deepEqual((await e.run(acts.syncLocations, { runId: 'r1', dryRun: false })).counts.created, 1);
    assert.deepEqual(await e.run(acts.partitionUsers, { pageSize: 2 }), { boundaries: [2, 4] });
    const p1 = await e.run(
      acts.syncUserPage,
      pageInput('r1', {
        upToId: 2,
        invitations: begun.status === 'started' ? begun.invitations : { mode: 'send' },
      }),
    );
    assert.deepEqual(p1.counts, { created: 2, invitationsPending: 2 });
    assert.deepEqual(await e.run(acts.countPendingInvitations, { runId: 'r1' }), { pending: 2 });
    assert.deepEqual(await e.run(acts.cancelPendingInvitations, { runId: 'r1' }), { cancelled: 2 });
    assert.deepEqual(await e.run(acts.deletionSummary, { runId: 'r1' }), {
      pending: 0,
      linked: 2,
      holdReason: null,
      refuseReason: null,
    });
    assert.deepEqual(await e.run(acts.rejectDeletions, { runId: 'r1', by: 'x' }), { rejected: 0 });
    await e.run(acts.finishRun, { runId: 'r1', status: 'completed', counts: p1.counts, reason: null });
    assert.equal(w.store.runs.get('r1')!.status, 'completed');
    assert.equal(w.metrics.runs.length, 1);
  });
});

describe('toActivityFailure: the cases test/scim/errors.test.ts leaves out', () => {
  const at = { method: 'PATCH', route: '/Users/{id}' };

  it('an engine configuration error → non-retryable ConfigError with its message', () => {
    const f = toActivityFailure(noDefaultLocation());
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.type, FAILURE_TYPES.config);
    assert.equal(f.nonRetryable, true);
    assert.match(f.message, /no default location/);
    const other = toActivityFailure(new EngineConfigError('bad setting'));
    assert.equal(other.message, 'bad setting');
  });

  it('503 with Retry-After → retryable with nextRetryDelay', () => {
    const f = toActivityFailure(errorForStatus({ ...at, status: 503 }, '3'));
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.nonRetryable, false);
    assert.equal(f.nextRetryDelay, 3000);
  });

  it('429 without Retry-After → retryable, Temporal picks the delay', () => {
    const f = toActivityFailure(errorForStatus({ ...at, status: 429 }));
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.nonRetryable, false);
    assert.equal(f.nextRetryDelay, undefined);
  });

  it('any other Visitor status (kind "other") → not retried, typed by its class', () => {
    const f = toActivityFailure(errorForStatus({ ...at, status: 415, detail: 'media' }));
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.type, 'VisitorScimError');
    assert.equal(f.nonRetryable, true);
    assert.deepEqual(f.details?.[0], { scimType: undefined, detail: 'media', status: 415, ...at });
  });

  it('every Visitor error kind maps to a failure whose retryability matches the error', () => {
    for (const status of [400, 401, 403, 404, 408, 409, 412, 415, 429, 500, 502, 503]) {
      const err = errorForStatus({ ...at, status });
      const f = toActivityFailure(err);
      assert.ok(f instanceof ApplicationFailure, `${status}`);
      assert.equal(f.nonRetryable, !err.retryable, `${status}`);
    }
    assert.ok(new VisitorScimError(at) instanceof Error);
  });
});
