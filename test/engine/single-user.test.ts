// Per-user provisioning (engine/single-user.ts): one Engage id planned and applied now, in a run of
// its own ('user' or 'user-dry-run'), deletions through the shared budget, the invitation due time for a delay policy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncSettings } from '../../config/service';
import { planInputOf } from '../../domain/plan-input';
import { identityHash } from '../../engage/reader';
import { noProgress } from '../../engine/defaults';
import { contextDigestOf, loadLocationContext } from '../../engine/location-context';
import { reconcileSingleUser } from '../../engine/single-user';
import { engageUser, fakeWorld, settings, visitorError } from './fakes';

const HOUR = 3_600_000;
const RUN = 'provision-user-10@1';

function world(s: Partial<SyncSettings> = {}) {
  const w = fakeWorld({ settings: s });
  const single = (
    o: { runId?: string; engageUserId?: number; dryRun?: boolean; startedBy?: string } = {},
    attempt = 1,
  ) =>
    reconcileSingleUser(
      w.engine,
      {
        runId: o.runId ?? RUN,
        engageUserId: o.engageUserId ?? 10,
        dryRun: o.dryRun ?? false,
        ...(o.startedBy ? { startedBy: o.startedBy } : {}),
      },
      attempt,
      noProgress,
    );
  const READS = new Set([
    'listLocations',
    'getUser',
    'listUsers',
    'findUserByExternalId',
    'findUserByUserName',
  ]);
  const writes = () => w.visitor.calls.filter((c) => !READS.has(c.method));
  return { ...w, single, writes };
}

describe('reconcileSingleUser', () => {
  it('a user gone from Engage whom the sync provisioned is a leaver, not an unknown id', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    await w.single();
    w.engage.users.delete(10);
    const gone = await w.single({ runId: 'provision-user-10@2' });
    assert.equal(gone.unknownUser, undefined, 'it has a sync state: a leaver, not an unknown id');
  });

  it('records who started the run (the Engage SCIM API, an operator), not the workflow type', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    await w.single({ startedBy: 'engage-scim' });
    assert.equal(w.store.runs.get(RUN)!.startedBy, 'engage-scim');
  });

  it('opens a "user" run, creates the user, logs it, completes the run with counts, reports metrics', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    const r = await w.single();
    assert.deepEqual(r, { outcome: 'created', invitationDueAtMs: null });
    const run = w.store.runs.get(RUN)!;
    assert.equal(run.kind, 'user');
    assert.equal(run.workflowId, 'provision-user-10');
    assert.equal(run.startedBy, 'provision-user', 'an activity of an older workflow names no starter');
    assert.equal(run.dryRun, false);
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.counts, { created: 1 });
    assert.ok(run.finishedAt);
    assert.deepEqual(
      w.store.logs.map((l) => [l.run_id, l.engage_id, l.action, l.outcome]),
      [[RUN, 10, 'create', 'created']],
    );
    assert.deepEqual(w.metrics.outcomes, [{ created: 1 }]);
    assert.deepEqual(
      w.metrics.runs.map(([kind, status]) => [kind, status]),
      [['user', 'completed']],
      'a per-user run is counted like a bulk run',
    );
    assert.equal(w.visitor.invitationsSent.length, 1);
    // The state vouches for the input it was planned from: the next per-user run finds it unchanged.
    const locations = await loadLocationContext(w.engine);
    const expected = planInputOf(contextDigestOf(locations, w.engine.settings.options), 'digest-10-v1');
    assert.equal(w.store.users.get(10)!.planInput, expected);
    const again = await w.single({ runId: 'provision-user-10b@1' });
    assert.equal(again.outcome, 'unchanged');
    assert.equal(w.visitor.count('createUser'), 1);
    assert.equal(w.store.logs.length, 1, 'an unchanged user logs nothing');
    assert.deepEqual(w.store.runs.get('provision-user-10b@1')!.counts, { unchanged: 1 });
  });

  it('a run id without an attempt suffix is its own workflow id', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    await w.single({ runId: 'plain' });
    assert.equal(w.store.runs.get('plain')!.workflowId, 'plain');
  });

  it('a dry run opens a "user-dry-run", writes nothing but the log, reports no metrics', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    const r = await w.single({ dryRun: true });
    assert.deepEqual(r, { outcome: 'created', invitationDueAtMs: null });
    const run = w.store.runs.get(RUN)!;
    assert.equal(run.kind, 'user-dry-run');
    assert.equal(run.dryRun, true);
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.counts, { created: 1 });
    assert.deepEqual(w.writes(), []);
    assert.equal(w.store.users.size, 0);
    assert.deepEqual(
      w.store.logs.map((l) => [l.action, l.outcome]),
      [['create', 'planned']],
    );
    assert.deepEqual(w.metrics.outcomes, []);
  });

  it('applies a deactivation at once when the budget has room', async () => {
    const w = world({ deleteThreshold: { count: 10, percent: 100, windowMs: HOUR } });
    w.engage.add(engageUser(10));
    w.engage.add(engageUser(11)); // an Engage with nobody active never deletes
    await w.single({ runId: 'first' });
    const vid = w.store.users.get(10)!.visitorUserId!;
    w.engage.add(engageUser(10, { active: false, sourceDigest: 'digest-10-v2' }));
    const r = await w.single();
    assert.equal(r.outcome, 'deactivated');
    assert.equal(w.visitor.users.get(vid)!.active, false);
    assert.deepEqual(
      w.store.deletions.map((d) => d.status),
      ['applied'],
    );
    assert.equal(w.guard.ledger.length, 1, 'spent from the budget');
    assert.equal(w.store.users.get(10)!.deprovisioned, true);
    assert.deepEqual(w.store.runs.get(RUN)!.counts, { deactivated: 1 });
    assert.deepEqual(w.metrics.outcomes.at(-1), { deactivated: 1 });
  });

  it('applies a deletion at once under deprovision=delete (user gone from Engage)', async () => {
    const w = world({
      options: { ...settings.options, deprovision: 'delete' },
      deleteThreshold: { count: 10, percent: 100, windowMs: HOUR },
    });
    w.engage.add(engageUser(10));
    w.engage.add(engageUser(11)); // an Engage with nobody active never deletes
    await w.single({ runId: 'first' });
    const vid = w.store.users.get(10)!.visitorUserId!;
    w.engage.users.delete(10);
    const r = await w.single();
    assert.equal(r.outcome, 'deleted');
    assert.equal(w.visitor.users.has(vid), false);
    assert.equal(w.store.users.get(10)!.visitorUserId, null);
    assert.deepEqual(
      w.store.logs.filter((l) => l.action === 'delete').map((l) => [l.engage_id, l.outcome]),
      [[10, 'deleted']],
    );
  });

  it('a user Engage does not know and the sync never linked is skipped and reported unknown', async () => {
    const w = world();
    const r = await w.single({ engageUserId: 42 });
    assert.deepEqual(r, { outcome: 'skipped', invitationDueAtMs: null, unknownUser: true });
    assert.deepEqual(w.writes(), []);
    assert.deepEqual(w.store.runs.get(RUN)!.counts, { skipped: 1 });
  });

  it('records a malformed Engage row as a failure with a log entry, and completes the run', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    w.engage.invalid.set(10, 'unknown user type');
    const r = await w.single();
    assert.deepEqual(r, { outcome: 'failed', invitationDueAtMs: null });
    const f = w.store.failures.get(10)!;
    assert.deepEqual(f.codes, ['invalid_row']);
    assert.deepEqual(f.detail, { reason: 'unknown user type' });
    assert.deepEqual(w.store.logs, [
      {
        run_id: RUN,
        object_type: 'user',
        engage_id: 10,
        visitor_id: null,
        user_name: null,
        action: 'read',
        outcome: 'failed',
        attributes: null,
        duration_ms: null,
        detail: { code: 'invalid_row', reason: 'malformed Engage row: unknown user type' },
      },
    ]);
    const run = w.store.runs.get(RUN)!;
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.counts, { failed: 1 });
    assert.deepEqual(w.writes(), []);
  });

  it('a malformed row in a dry run is logged "planned" and records no failure', async () => {
    const w = world();
    w.engage.invalid.set(10, 'unknown user type');
    const r = await w.single({ dryRun: true });
    assert.equal(r.outcome, 'failed');
    assert.equal(w.store.failures.size, 0);
    assert.deepEqual(
      w.store.logs.map((l) => [l.action, l.outcome]),
      [['read', 'planned']],
    );
    assert.equal(w.store.runs.get(RUN)!.kind, 'user-dry-run');
  });

  it('a failure record holds the user (quarantined), counted and reported', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    w.store.failures.set(10, {
      engageUserId: 10,
      failureCount: 4,
      lastFailedAt: new Date('2025-12-01T00:00:00Z'),
      nextAttemptAt: new Date(w.clock.now() + HOUR),
      codes: ['visitor_conflict'],
      lastRunId: 'r0',
      detail: {},
    });
    const r = await w.single();
    assert.equal(r.outcome, 'quarantined');
    assert.deepEqual(w.writes(), []);
    assert.deepEqual(w.metrics.outcomes, [{ quarantined: 1 }]);
    assert.deepEqual(
      w.store.logs.map((l) => l.outcome),
      ['quarantined'],
    );
  });

  it('a Visitor refusal is the user’s failure; an auth error is thrown and the run left open', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    w.visitor.failNext('createUser', visitorError(409));
    const r = await w.single();
    assert.equal(r.outcome, 'failed');
    assert.deepEqual(w.store.failures.get(10)!.codes, ['visitor_conflict']);
    assert.deepEqual(w.store.runs.get(RUN)!.counts, { failed: 1 });
    assert.deepEqual(
      w.store.logs.map((l) => [l.action, l.outcome]),
      [['write', 'failed']],
    );

    w.visitor.failNext('createUser', visitorError(401));
    await assert.rejects(w.single({ runId: 'auth@1' }), { name: 'VisitorAuthError' });
    assert.equal(w.store.runs.get('auth@1')!.status, 'running');
  });

  it('a transient error fails the attempt, but is the user’s failure on a late attempt', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    w.visitor.failNext('createUser', visitorError(503), 2);
    await assert.rejects(w.single({}, 1), { name: 'VisitorServerError' });
    const r = await w.single({}, 5);
    assert.equal(r.outcome, 'failed');
    assert.deepEqual(w.store.failures.get(10)!.codes, ['visitor_unavailable']);
  });

  it('an identity conflict is asked of Engage for this id only, and fails the user', async () => {
    const w = world();
    w.engage.add(engageUser(10, { username: 'shared@example.com' }));
    w.engage.add(engageUser(11, { username: 'shared@example.com' }));
    w.engage.groups = [{ identityHash: identityHash('shared@example.com'), userIds: [10, 11] }];
    const r = await w.single();
    assert.equal(r.outcome, 'failed');
    assert.ok(w.engage.calls.includes('identityConflicts(10)'));
    assert.deepEqual(w.store.failures.get(10)!.codes, ['duplicate_identity']);
    assert.equal(w.visitor.count('createUser'), 0);
    assert.equal(w.engine.identityGroups.size, 0, 'not the run cache');
  });

  it('an inactive user asks for no identity group of anyone', async () => {
    const w = world();
    w.engage.add(engageUser(10, { active: false }));
    const r = await w.single();
    assert.equal(r.outcome, 'skipped');
    assert.deepEqual(
      w.engage.calls.filter((c) => c.startsWith('identityConflicts')),
      ['identityConflicts()'],
    );
  });
});

describe('reconcileSingleUser: invitation due time', () => {
  it('delay: returns now + delay for the user it created, whose invitation waits', async () => {
    const w = world({ invitations: { mode: 'delay', delayMs: 2 * HOUR } });
    w.engage.add(engageUser(10));
    const r = await w.single();
    assert.deepEqual(r, { outcome: 'created', invitationDueAtMs: w.clock.now() + 2 * HOUR });
    assert.equal(w.store.users.get(10)!.invitationStatus, 'pending');
    assert.deepEqual(w.visitor.invitationsSent, []);
  });

  it('delay: a retried attempt that finds its user already created still returns the due time', async () => {
    const w = world({ invitations: { mode: 'delay', delayMs: 2 * HOUR } });
    w.engage.add(engageUser(10));
    await w.single({}, 1);
    w.clock.advance(30_000);
    const retry = await w.single({}, 2);
    assert.equal(retry.outcome, 'unchanged');
    const dueAt = w.store.users.get(10)!.invitationDueAt!.getTime();
    assert.ok(retry.invitationDueAtMs !== null && retry.invitationDueAtMs >= dueAt, 'wakes once it is due');
    assert.equal(w.visitor.count('createUser'), 1);
    assert.equal(w.store.users.get(10)!.invitationStatus, 'pending');
  });

  it('delay: another run for a user created earlier has no invitation to wait for', async () => {
    const w = world({ invitations: { mode: 'delay', delayMs: 2 * HOUR } });
    w.engage.add(engageUser(10));
    await w.single({ runId: 'first' });
    const r = await w.single();
    assert.deepEqual(r, { outcome: 'unchanged', invitationDueAtMs: null });
  });

  it('delay: a dry run has no due time', async () => {
    const w = world({ invitations: { mode: 'delay', delayMs: HOUR } });
    w.engage.add(engageUser(10));
    assert.equal((await w.single({ dryRun: true })).invitationDueAtMs, null);
  });

  it('send and disabled: no due time', async () => {
    for (const invitations of [{ mode: 'send' as const }, { mode: 'disabled' as const }]) {
      const w = world({ invitations });
      w.engage.add(engageUser(10));
      const r = await w.single();
      assert.deepEqual(r, { outcome: 'created', invitationDueAtMs: null });
    }
  });
});
