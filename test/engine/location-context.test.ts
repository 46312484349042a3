// engine/location-context.ts: the Visitor locations a run plans against, cached per run; and
// engine/errors.ts, raised when Visitor has no default location.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_TYPES } from '../../domain/failure-types';
import { planContextDigest } from '../../domain/plan-input';
import { EngineConfigError, noDefaultLocation } from '../../engine/errors';
import { contextDigestOf, loadLocationContext, locationContextFor } from '../../engine/location-context';
import type { ScimLocation } from '../../scim/wire';
import { fakeWorld, settings } from './fakes';

function visitorLocation(id: string): ScimLocation {
  return { schemas: [], id, name: id, isDefault: false } as unknown as ScimLocation;
}

describe('loadLocationContext', () => {
  it('needs a default location: without one it is a configuration error', async () => {
    const w = fakeWorld();
    w.visitor.locations = [visitorLocation('loc-a')];
    await assert.rejects(loadLocationContext(w.engine), (e: unknown) => {
      assert.ok(e instanceof EngineConfigError);
      assert.equal(e.name, FAILURE_TYPES.config);
      assert.match(e.message, /no default location/);
      return true;
    });
  });

  it('maps only linked links whose Visitor location still exists; all Visitor ids sorted', async () => {
    const w = fakeWorld();
    w.visitor.locations.push(visitorLocation('loc-c'), visitorLocation('loc-b'));
    w.store.locations.set(1, { visitorId: 'loc-b', fingerprint: 'f', status: 'linked' });
    w.store.locations.set(2, { visitorId: 'loc-c', fingerprint: 'f', status: 'orphaned' });
    w.store.locations.set(3, { visitorId: 'loc-gone', fingerprint: 'f', status: 'linked' });
    const ctx = await loadLocationContext(w.engine);
    assert.equal(ctx.defaultLocationId, 'loc-default');
    assert.deepEqual(ctx.allVisitorLocationIds, ['loc-b', 'loc-c', 'loc-default']);
    assert.deepEqual([...ctx.locationMap], [[1, 'loc-b']]);
  });
});

describe('locationContextFor', () => {
  it('reads Visitor once per run, and again for another run', async () => {
    const w = fakeWorld();
    const a = await locationContextFor(w.engine, 'r1');
    const b = await locationContextFor(w.engine, 'r1');
    assert.equal(a, b, 'the same object for every page of a run');
    assert.equal(w.visitor.count('listLocations'), 1);
    const c = await locationContextFor(w.engine, 'r2');
    assert.notEqual(c, a);
    assert.equal(w.visitor.count('listLocations'), 2);
  });

  it('does not keep a failed read: the next page reads again', async () => {
    const w = fakeWorld();
    w.visitor.locations = [];
    await assert.rejects(locationContextFor(w.engine, 'r1'), EngineConfigError);
    await Promise.resolve();
    w.visitor.locations = [{ ...visitorLocation('loc-d'), isDefault: true }];
    assert.equal((await locationContextFor(w.engine, 'r1')).defaultLocationId, 'loc-d');
  });

  it('re-reads after five minutes of the clock', async () => {
    const w = fakeWorld();
    await locationContextFor(w.engine, 'r1');
    w.clock.advance(5 * 60_000 + 1);
    await locationContextFor(w.engine, 'r1');
    assert.equal(w.visitor.count('listLocations'), 2);
  });
});

describe('contextDigestOf', () => {
  const ctx = () => ({
    defaultLocationId: 'loc-default',
    allVisitorLocationIds: ['loc-a', 'loc-default'],
    locationMap: new Map([[1, 'loc-a']]),
  });

  it('is the planning-context digest, the same for equal contexts', () => {
    const a = ctx();
    const d = contextDigestOf(a, settings.options);
    assert.equal(d, planContextDigest({ ...a, options: settings.options }));
    assert.equal(contextDigestOf(ctx(), settings.options), d, 'another object, same content');
  });

  it('differs when the locations or the options differ', () => {
    const d = contextDigestOf(ctx(), settings.options);
    const other = { ...ctx(), locationMap: new Map([[1, 'loc-b']]) };
    assert.notEqual(contextDigestOf(other, settings.options), d);
    assert.notEqual(contextDigestOf(ctx(), { ...settings.options, deprovision: 'delete' }), d);
  });

  it('is computed once per context object and options object', () => {
    const a = ctx();
    const first = contextDigestOf(a, settings.options);
    a.locationMap.set(2, 'loc-x'); // contexts are never changed; a change shows the memo
    assert.equal(contextDigestOf(a, settings.options), first, 'memoised for the same object and options');
    const options = { ...settings.options };
    assert.notEqual(contextDigestOf(a, options), first, 'other options: computed again');
    assert.equal(contextDigestOf(a, options), planContextDigest({ ...a, options }));
  });
});

describe('engine errors', () => {
  it('noDefaultLocation is a non-retryable configuration error that says what to do', () => {
    const e = noDefaultLocation();
    assert.ok(e instanceof Error);
    assert.ok(e instanceof EngineConfigError);
    assert.equal(e.name, 'ConfigError');
    assert.match(e.message, /install the SCIM integration in a primary location/);
  });
});
