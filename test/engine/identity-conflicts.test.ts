// Engage users sharing one e-mail (engine/identity-conflicts.ts): who may keep it, resolved with what
// the store already links, and the run-cached identity groups.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncUserState } from '../../domain/types';
import { identityHash } from '../../engage/reader';
import { conflictsFor, runIdentityGroups } from '../../engine/identity-conflicts';
import { loadLocationContext } from '../../engine/location-context';
import type { StoredUser } from '../../engine/ports';
import { reconcileUser } from '../../engine/reconcile-user';
import { syncState, userRunContext } from './builders';
import { engageUser, fakeWorld, scimUser } from './fakes';

const SHARED = 'shared@example.com';

/** A state linked to v-<id> under the shared e-mail. */
const state = (engageUserId: number, o: Partial<SyncUserState> = {}): SyncUserState => ({
  ...syncState(engageUserId, `v-${engageUserId}`, { userName: SHARED, ownedAccess: {}, fingerprint: 'fp' }),
  ...o,
});

function stored(s: SyncUserState): StoredUser {
  return { ...s, invitationStatus: 'none', planInput: null };
}

/** Engage users 10 and 11 share SHARED; 12 has an e-mail of its own. */
function sharedWorld() {
  const w = fakeWorld();
  w.engage.add(
    engageUser(10, { username: SHARED }),
    engageUser(11, { username: 'Shared@Example.com' }),
    engageUser(12),
  );
  w.engage.groups = [{ identityHash: identityHash(SHARED), userIds: [10, 11] }];
  return w;
}

const identityReads = (calls: string[]) => calls.filter((c) => c.startsWith('identityConflicts'));

describe('conflictsFor', () => {
  it('two Engage users sharing an e-mail, neither linked: both fail', async () => {
    const w = sharedWorld();
    const out = await conflictsFor(w.engine, [10, 11, 12], new Map(), 'r1');
    assert.deepEqual(
      [...out.values()],
      [
        { engageUserId: 10, outcome: 'fails', conflictingWith: [11] },
        { engageUserId: 11, outcome: 'fails', conflictingWith: [10] },
      ],
    );
    assert.equal(out.has(12), false, 'a user with an identity of its own is not in the result');
  });

  it('the one already linked keeps the identity; the link is found in the page’s states', async () => {
    const w = sharedWorld();
    const out = await conflictsFor(w.engine, [10, 11], new Map([[10, stored(state(10))]]), 'r1');
    assert.equal(out.get(10)?.outcome, 'keeps');
    assert.equal(out.get(11)?.outcome, 'fails');
  });

  it('…or in the store, for a member outside the page', async () => {
    const w = sharedWorld();
    w.store.seedUser(state(10));
    const out = await conflictsFor(w.engine, [11], new Map(), 'r1');
    assert.deepEqual(out.get(11), { engageUserId: 11, outcome: 'fails', conflictingWith: [10] });
    assert.equal(out.get(10)?.outcome, 'keeps');
  });

  it('a deprovisioned link, or one under another e-mail, does not count as linked', async () => {
    for (const s of [state(10, { deprovisioned: true }), state(10, { userName: 'old@example.com' })]) {
      const w = sharedWorld();
      w.store.seedUser(s);
      const out = await conflictsFor(w.engine, [10, 11], new Map(), 'r1');
      assert.equal(out.get(10)?.outcome, 'fails');
      assert.equal(out.get(11)?.outcome, 'fails');
    }
  });

  it('two linked members: both fail (the sync does not guess)', async () => {
    const w = sharedWorld();
    w.store.seedUser(state(10));
    w.store.seedUser(state(11));
    const out = await conflictsFor(w.engine, [10], new Map(), 'r1');
    assert.equal(out.get(10)?.outcome, 'fails');
    assert.equal(out.get(11)?.outcome, 'fails');
  });

  it('users outside every group: an empty result, no store read', async () => {
    const w = sharedWorld();
    let storeReads = 0;
    const usersByIds = w.store.usersByIds.bind(w.store);
    w.store.usersByIds = (ids) => {
      storeReads++;
      return usersByIds(ids);
    };
    assert.equal((await conflictsFor(w.engine, [12], new Map(), 'r1')).size, 0);
    assert.equal((await conflictsFor(w.engine, [], new Map(), 'r1')).size, 0);
    assert.equal(storeReads, 0);
  });

  it('without a run id (one user), asks Engage for the groups of these ids only', async () => {
    const w = sharedWorld();
    const out = await conflictsFor(w.engine, [11], new Map());
    assert.equal(out.get(11)?.outcome, 'fails');
    assert.deepEqual(identityReads(w.engage.calls), ['identityConflicts(11)']);
    assert.equal(w.engine.identityGroups.size, 0, 'nothing cached');
  });
});

describe('runIdentityGroups: read once per run', () => {
  it('pages of one run share one read; another run reads again', async () => {
    const w = sharedWorld();
    await conflictsFor(w.engine, [10], new Map(), 'r1');
    await conflictsFor(w.engine, [11], new Map(), 'r1');
    assert.deepEqual(await runIdentityGroups(w.engine, 'r1'), w.engage.groups);
    assert.deepEqual(identityReads(w.engage.calls), ['identityConflicts']);
    await conflictsFor(w.engine, [10], new Map(), 'r2');
    assert.equal(identityReads(w.engage.calls).length, 2);
  });

  it('concurrent pages share the read in flight', async () => {
    const w = sharedWorld();
    await Promise.all([
      conflictsFor(w.engine, [10], new Map(), 'r1'),
      conflictsFor(w.engine, [11], new Map(), 'r1'),
    ]);
    assert.equal(identityReads(w.engage.calls).length, 1);
  });

  it('reads again after a minute', async () => {
    const w = sharedWorld();
    await runIdentityGroups(w.engine, 'r1');
    w.clock.advance(60_000);
    await runIdentityGroups(w.engine, 'r1');
    assert.equal(identityReads(w.engage.calls).length, 1);
    w.clock.advance(1);
    await runIdentityGroups(w.engine, 'r1');
    assert.equal(identityReads(w.engage.calls).length, 2);
  });

  it('a failed read is not cached: the next call reads again', async () => {
    const w = sharedWorld();
    const read = w.engage.identityConflicts.bind(w.engage);
    let fail = true;
    w.engage.identityConflicts = async (ids) => {
      if (fail) {
        fail = false;
        w.engage.calls.push('identityConflicts');
        throw new Error('Engage unavailable');
      }
      return read(ids);
    };
    await assert.rejects(conflictsFor(w.engine, [10], new Map(), 'r1'), /Engage unavailable/);
    const out = await conflictsFor(w.engine, [10], new Map(), 'r1');
    assert.equal(out.get(10)?.outcome, 'fails');
    assert.equal(identityReads(w.engage.calls).length, 2);
    await conflictsFor(w.engine, [11], new Map(), 'r1');
    assert.equal(identityReads(w.engage.calls).length, 2, 'the good answer is cached');
  });
});

describe('identity conflicts in reconcileUser', () => {
  it('a user that fails its identity is not created: duplicate_identity recorded', async () => {
    const w = sharedWorld();
    const locations = await loadLocationContext(w.engine);
    const ctx = userRunContext(w, locations);
    const conflicts = await conflictsFor(w.engine, [10, 11], new Map(), 'r1');
    const r = await reconcileUser(w.engine, ctx, {
      engageUserId: 11,
      engage: w.engage.users.get(11)!,
      state: null,
      conflict: conflicts.get(11)!,
    });
    assert.equal(r.outcome, 'failed');
    assert.equal(w.visitor.count('createUser'), 0);
    const f = w.store.failures.get(11)!;
    assert.deepEqual(f.codes, ['duplicate_identity']);
    assert.equal((r.log ?? r.logged)?.action, 'validate');
    const failures = (r.log ?? r.logged)?.detail?.failures as { code: string; message: string }[];
    assert.match(failures[0]!.message, /Engage user\(s\) 10\./);
  });

  it('the one keeping the identity (already linked) is planned as usual: updated, not failed', async () => {
    const w = sharedWorld();
    w.visitor.users.set('v-10', scimUser('v-10', SHARED));
    w.store.seedUser(state(10));
    const locations = await loadLocationContext(w.engine);
    const states = await w.store.usersByIds([10, 11]);
    const conflicts = await conflictsFor(w.engine, [10, 11], states, 'r1');
    assert.equal(conflicts.get(10)?.outcome, 'keeps');
    const r = await reconcileUser(w.engine, userRunContext(w, locations), {
      engageUserId: 10,
      engage: w.engage.users.get(10)!,
      state: states.get(10)!,
      conflict: conflicts.get(10)!,
    });
    assert.equal(r.outcome, 'updated');
    assert.deepEqual((r.log ?? r.logged)?.attributes, [
      'name.givenName',
      'name.familyName',
      'locationAccess',
    ]);
    assert.equal(w.store.failures.size, 0);
  });
});
