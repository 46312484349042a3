// engine/location-context.ts userRunLocationContext: per-user runs share one Visitor location read per
// worker for the bulk runs' TTL, and read again when a user's state shows the shared read is older.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncSettings } from '../../config/service';
import { planInputOf } from '../../domain/plan-input';
import { noProgress } from '../../engine/defaults';
import { contextDigestOf, locationContextFor, userRunLocationContext } from '../../engine/location-context';
import { reconcileSingleUser } from '../../engine/single-user';
import type { ScimLocation } from '../../scim/wire';
import { engageUser, fakeWorld, settings } from './fakes';

/** The TTL of engine.locationContexts (engine/engine.ts). */
const TTL_MS = 5 * 60_000;

function visitorLocation(id: string): ScimLocation {
  return { schemas: [], id, name: id, isDefault: false } as unknown as ScimLocation;
}

function world(s: Partial<SyncSettings> = {}) {
  const w = fakeWorld({ settings: s });
  let n = 0;
  const single = (engageUserId: number) =>
    reconcileSingleUser(
      w.engine,
      { runId: `provision-user-${engageUserId}@${++n}`, engageUserId, dryRun: false },
      1,
      noProgress,
    );
  const reads = () => w.visitor.count('listLocations');
  return { ...w, single, reads };
}

describe('per-user runs: the shared location context', () => {
  it('a burst of per-user runs lists Visitor locations once within the TTL, again after it', async () => {
    const w = world();
    for (let id = 1; id <= 200; id++) w.engage.add(engageUser(id));
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => w.single(i + 1)));
    assert.ok(outcomes.every((o) => o.outcome === 'created'));
    for (let id = 101; id <= 200; id++) assert.equal((await w.single(id)).outcome, 'created');
    assert.equal(w.reads(), 1, '200 per-user runs, one read');
    w.clock.advance(TTL_MS - 1);
    await w.single(1);
    assert.equal(w.reads(), 1, 'still within the TTL');
    w.clock.advance(2);
    await w.single(2);
    assert.equal(w.reads(), 2, 'read again once the TTL is over');
    await w.single(3);
    assert.equal(w.reads(), 2);
  });

  it('is not a bulk run’s entry: a run still reads its own context', async () => {
    const w = world();
    w.engage.add(engageUser(1));
    await w.single(1);
    await locationContextFor(w.engine, 'daily-sync-1');
    assert.equal(w.reads(), 2);
    await w.single(1);
    await locationContextFor(w.engine, 'daily-sync-1');
    assert.equal(w.reads(), 2);
  });

  it('a state owning a location the shared read lacks drops it: no removal of a location created since', async () => {
    const w = world();
    w.engage.add(engageUser(10));
    w.engage.add(engageUser(11));
    w.engage.add(engageUser(12));
    await w.single(10);
    await w.single(11);
    assert.equal(w.reads(), 1);
    // A location is created, and a bulk run (with a fresher read) grants it to users 11 and 12.
    w.visitor.locations.push(visitorLocation('loc-new'));
    const bulk = await locationContextFor(w.engine, 'daily-sync-2');
    assert.equal(w.reads(), 2);
    const s11 = w.store.users.get(11)!;
    w.store.users.set(11, {
      ...s11,
      ownedAccess: { ...s11.ownedAccess, 'loc-new': 'regular' },
      planInput: planInputOf(contextDigestOf(bulk, w.engine.settings.options), 'digest-11-v1'),
    });
    // Engage changes user 11: the per-user run plans an update against a context that has loc-new.
    w.engage.add(engageUser(11, { jobTitle: 'Engineer', sourceDigest: 'digest-11-v2' }));
    const patchesBefore = w.visitor.count('patchUser');
    assert.equal((await w.single(11)).outcome, 'updated');
    assert.equal(w.reads(), 3, 'the shared read was older than the state: read again');
    const patches = w.visitor.calls.filter((c) => c.method === 'patchUser').slice(patchesBefore);
    assert.ok(patches.length > 0);
    assert.ok(!JSON.stringify(patches).includes('loc-new'), 'loc-new is kept, not removed');
    assert.deepEqual(Object.keys(w.store.users.get(11)!.ownedAccess).sort(), ['loc-default', 'loc-new']);
    // Every later per-user run shares the new read.
    await w.single(10);
    await w.single(12);
    assert.equal(w.reads(), 3);
  });

  it('a location gone from Visitor costs one read, not one per user owning it', async () => {
    const w = world();
    w.visitor.locations.push(visitorLocation('loc-old'));
    for (const id of [1, 2, 3, 4]) w.engage.add(engageUser(id));
    for (const id of [1, 2, 3, 4]) await w.single(id);
    assert.equal(w.reads(), 1);
    for (const id of [1, 2, 3, 4]) assert.ok('loc-old' in w.store.users.get(id)!.ownedAccess);
    // loc-old is deleted in Visitor; the cache expires, the next read lacks it.
    w.visitor.locations = w.visitor.locations.filter((l) => l.id !== 'loc-old');
    w.clock.advance(TTL_MS + 1);
    const ctx = await userRunLocationContext(w.engine, { state: null, engageLocationIds: [] });
    assert.equal(w.reads(), 2);
    // Users owning it: the first one's run reads once more to be sure it is gone, the others do not.
    for (const id of [1, 2, 3, 4]) {
      w.engage.add(engageUser(id, { jobTitle: 'Moved', sourceDigest: `digest-${id}-v2` }));
      assert.equal((await w.single(id)).outcome, 'updated');
      assert.ok(!('loc-old' in w.store.users.get(id)!.ownedAccess));
    }
    assert.equal(w.reads(), 3);
    assert.notEqual(await userRunLocationContext(w.engine, { state: null, engageLocationIds: [] }), ctx);
  });

  it('a state planned against another context reads again once; an older context does not read again', async () => {
    const w = world();
    w.engage.add(engageUser(1));
    w.engage.add(engageUser(2));
    await w.single(1);
    await w.single(2);
    assert.equal(w.reads(), 1);
    for (const id of [1, 2]) {
      const s = w.store.users.get(id)!;
      w.store.users.set(id, { ...s, planInput: planInputOf('0123456789abcdef', `digest-${id}-v1`) });
    }
    await w.single(1);
    assert.equal(w.reads(), 2, 'the state may be newer than the read: read again');
    await w.single(2);
    assert.equal(w.reads(), 2, 'that context is known to be older than this read');
  });

  it('a location admin’s unmapped Engage location reads again once, only when it matters', async () => {
    const on = world({ options: { ...settings.options, locationAdminsAdministerTheirLocations: true } });
    on.engage.add(engageUser(1, { userType: 'location_admin', administeredLocationIds: [7] }));
    on.engage.add(engageUser(2, { userType: 'location_admin', administeredLocationIds: [7] }));
    await on.single(1);
    assert.equal(on.reads(), 2, 'Engage location 7 is not linked in the shared read: read again');
    await on.single(2);
    assert.equal(on.reads(), 2, 'still unlinked after a read made for it: not read again');
    const off = world();
    off.engage.add(engageUser(1, { userType: 'location_admin', administeredLocationIds: [7] }));
    await off.single(1);
    assert.equal(off.reads(), 1, 'the map plays no part in the plan');
  });

  it('a failed read is not kept: the next per-user run reads again', async () => {
    const w = world();
    w.engage.add(engageUser(1));
    w.visitor.failNext('listLocations', new Error('boom'));
    await assert.rejects(w.single(1), /boom/);
    await Promise.resolve();
    assert.equal((await w.single(1)).outcome, 'created');
    assert.equal(w.reads(), 2);
  });
});
