// A page and a per-user run never both act on one user with stale input (issue 14, defect 3). Each
// test holds a page at the moment it would take a user's lease, runs per-user runs to completion
// meanwhile, then lets the page go on: the page must re-plan from fresh data, so Visitor ends as
// Engage says without another run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncSettings } from '../../config/service';
import { noProgress } from '../../engine/defaults';
import { reconcilePage } from '../../engine/reconcile-page';
import { reconcileSingleUser } from '../../engine/single-user';
import { LEASE_TTL_MS, withUserLease } from '../../engine/user-lease';
import type { PatchOperation } from '../../scim/wire';
import { pageInput } from './builders';
import { engageUser, type FakeWorld, fakeWorld, RecordingProgress } from './fakes';

/**
 * Holds the page where it first turns to user `id` — its lease, or (without leases) its Visitor write
 * for that user — until `release()`; `arrived` once it gets there.
 */
function holdPageAt(w: FakeWorld, id: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let reached!: () => void;
  const arrived = new Promise<void>((r) => {
    reached = r;
  });
  let held = false;
  const pause = async () => {
    if (held) return;
    held = true;
    reached();
    await gate;
  };
  const take = w.store.takeUserLease.bind(w.store);
  w.store.takeUserLease = async (userId, holder, ttl) => {
    if (userId === id && holder.startsWith('page:')) await pause();
    return take(userId, holder, ttl);
  };
  const visitorId = w.store.users.get(id)?.visitorUserId;
  const patch = w.visitor.patchUser.bind(w.visitor);
  w.visitor.patchUser = async (vid, ops) => {
    if (vid === visitorId) await pause();
    return patch(vid, ops);
  };
  const create = w.visitor.createUser.bind(w.visitor);
  w.visitor.createUser = async (body, o) => {
    if (body.externalId === String(id)) await pause();
    return create(body, o);
  };
  return { arrived, release };
}

/** A per-user run of `id`, under the user's lease as its activity runs it. */
function perUserRun(w: FakeWorld, id: number, n: number) {
  const runId = `provision-user-${id}@${n}`;
  return withUserLease(w.engine, id, runId, () =>
    reconcileSingleUser(w.engine, { runId, engageUserId: id, dryRun: false }, 1, noProgress),
  );
}

const runPage = (w: FakeWorld, runId: string, kind: 'initial' | 'daily') =>
  reconcilePage(w.engine, pageInput(runId, { kind }), { progress: new RecordingProgress(), attempt: 1 });

const patchesTo = (w: FakeWorld, visitorId: string) =>
  w.visitor.calls
    .filter((c) => c.method === 'patchUser' && c.id === visitorId)
    .map((c) => c.body as PatchOperation[]);

/** The role the ops give at the default location (admin/regular), from the last such op. */
const roleIn = (ops: PatchOperation[]) => {
  const s = JSON.stringify(ops);
  return s.includes('"admin"') || s.includes('"a"') ? 'admin' : 'regular';
};

const budgetForAll: Partial<SyncSettings> = {
  deleteThreshold: { count: 1000, percent: 100, windowMs: 86_400_000 },
};

describe('a page and per-user runs on one user', () => {
  it('(a) admin granted then revoked by per-user runs while a page holds the granted row: no grant goes back', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1), engageUser(2));
    await runPage(w, 'r0', 'initial');
    const vid = w.store.users.get(1)!.visitorUserId!;
    // Okta grants: Engage has the granted row when the daily page reads it.
    const granted = engageUser(1, { userType: 'global_admin', sourceDigest: 'digest-1-v2' });
    w.engage.add(granted, engageUser(2, { familyName: 'Other', sourceDigest: 'digest-2-v2' }));
    const hold = holdPageAt(w, 1);
    const page = runPage(w, 'r1', 'daily');
    await hold.arrived;
    // The per-user runs apply the grant, then Okta revokes and the next per-user run applies that.
    assert.equal((await perUserRun(w, 1, 1)).outcome, 'updated');
    w.engage.add(engageUser(1, { sourceDigest: 'digest-1-v3' }));
    assert.equal((await perUserRun(w, 1, 2)).outcome, 'updated');
    hold.release();
    const r = await page;
    const patches = patchesTo(w, vid);
    assert.deepEqual(patches.map(roleIn), ['admin', 'regular'], 'the page sent nothing after the revoke');
    assert.equal(r.counts.updated, 1, 'user 2 only');
    assert.equal(w.store.users.get(1)!.ownedAccess['loc-default'], 'regular');
  });

  it('(b) hire then fire by per-user runs while a page holds the hired row: not re-created, not invited', async () => {
    const w = fakeWorld({
      settings: {
        ...budgetForAll,
        options: { ...fakeWorld().engine.settings.options, deprovision: 'delete' },
      },
    });
    w.engage.add(engageUser(1), engageUser(5));
    const hold = holdPageAt(w, 5);
    const page = runPage(w, 'r1', 'initial');
    await hold.arrived;
    assert.equal((await perUserRun(w, 5, 1)).outcome, 'created');
    w.engage.add(engageUser(5, { active: false, sourceDigest: 'digest-5-v2' }));
    assert.equal((await perUserRun(w, 5, 2)).outcome, 'deleted');
    hold.release();
    await page;
    assert.equal(w.visitor.count('createUser'), 2, 'users 1 and 5, once each');
    assert.deepEqual(
      [...w.visitor.users.values()].map((u) => u.externalId),
      ['1'],
      'user 5 stays deleted',
    );
    assert.equal(w.visitor.invitationsSent.length, 2, 'one invitation each, none again');
    assert.equal(w.store.users.get(5)!.visitorUserId, null);
  });

  it('(c) two writers of one user: the second waits, re-reads, and the recorded input matches Visitor', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1));
    await runPage(w, 'r0', 'initial');
    const vid = w.store.users.get(1)!.visitorUserId!;
    // v2 is what a page reads; Engage moves on to v3 and a per-user run applies it while the page's
    // own write would otherwise be in flight.
    w.engage.add(engageUser(1, { familyName: 'Second', sourceDigest: 'digest-1-v2' }));
    const hold = holdPageAt(w, 1);
    const page = runPage(w, 'r1', 'daily');
    await hold.arrived;
    w.engage.add(engageUser(1, { familyName: 'Third', sourceDigest: 'digest-1-v3' }));
    await perUserRun(w, 1, 1);
    hold.release();
    await page;
    const names = patchesTo(w, vid).map((ops) => JSON.stringify(ops).match(/Second|Third/)?.[0]);
    assert.deepEqual(names, ['Third'], 'the stale v2 was never sent');
    const state = w.store.users.get(1)!;
    assert.equal(state.attributes.familyName, 'Third');
    assert.ok(state.planInput === null || state.planInput.endsWith('digest-1-v3'), `${state.planInput}`);
  });

  it('a per-user run waits for a page holding the user; a dead holder is taken over once its lease expires', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1));
    assert.equal((await w.store.takeUserLease(1, 'page:dead', LEASE_TTL_MS)).taken, true);
    await assert.rejects(
      withUserLease(w.engine, 1, 'user-run', async () => 'ran', { waitMs: 100 }),
      /being provisioned by another run/,
    );
    w.clock.advance(LEASE_TTL_MS + 1);
    assert.equal(await withUserLease(w.engine, 1, 'user-run', async () => 'ran'), 'ran');
    assert.equal(w.store.leases.size, 0, 'released');
  });

  it('a page with nothing to do for a user takes no lease for it', async () => {
    const w = fakeWorld();
    w.engage.add(engageUser(1), engageUser(2));
    await runPage(w, 'r0', 'initial');
    let takes = 0;
    const take = w.store.takeUserLease.bind(w.store);
    w.store.takeUserLease = (...a) => {
      takes++;
      return take(...a);
    };
    w.engage.add(engageUser(2, { familyName: 'New', sourceDigest: 'digest-2-v2' }));
    await runPage(w, 'r1', 'daily');
    assert.equal(takes, 1, 'user 2 only');
  });
});
