// workers/tenant-engines.ts with a fake builder: one engine per tenant reused within its TTL, rebuilt
// after it, closed only when its last user is done; a failed build is not kept; the single company.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Engine } from '../../engine/engine';
import { TenantUnavailableError } from '../../engine/errors';
import { type BuiltEngine, TenantEngines } from '../../workers/tenant-engines';

function fakeBuilder(fail: Set<string> = new Set()) {
  const built: string[] = [];
  const closed: string[] = [];
  let n = 0;
  const build = async (tenantId: string): Promise<BuiltEngine> => {
    if (fail.has(tenantId)) throw new TenantUnavailableError(`no tenant "${tenantId}"`);
    const name = `${tenantId}#${++n}`;
    built.push(name);
    return { engine: { name } as unknown as Engine, close: async () => void closed.push(name) };
  };
  return { build, built, closed };
}

const nameOf = (e: Engine) => (e as unknown as { name: string }).name;

describe('TenantEngines', () => {
  it('builds one engine per tenant and reuses it within its time to live', async () => {
    const b = fakeBuilder();
    const engines = new TenantEngines({ build: b.build, ttlMs: 60_000 });
    const seen = await Promise.all(['a', 'b', 'a', 'a'].map((t) => engines.use(t, async (e) => nameOf(e))));
    assert.deepEqual(seen, ['a#1', 'b#2', 'a#1', 'a#1']);
    assert.deepEqual(b.built, ['a#1', 'b#2']);
    assert.equal(engines.cached, 2);
  });

  it('rebuilds after the time to live, and closes the old engine only when its last user is done', async () => {
    let now = 0;
    const b = fakeBuilder();
    const engines = new TenantEngines({ build: b.build, ttlMs: 1000, now: () => now });
    let finishLong!: () => void;
    const long = engines.use('a', (e) => new Promise<string>((r) => (finishLong = () => r(nameOf(e)))));
    await new Promise((r) => setImmediate(r));
    now = 1500;
    assert.equal(await engines.use('a', async (e) => nameOf(e)), 'a#2');
    assert.deepEqual(b.closed, [], 'a#1 is still in use');
    finishLong();
    assert.equal(await long, 'a#1');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(b.closed, ['a#1']);
    await engines.close();
    assert.deepEqual(b.closed, ['a#1', 'a#2']);
  });

  it('closes an engine nobody uses once it expires, and refuses use after close', async () => {
    let now = 0;
    const b = fakeBuilder();
    const engines = new TenantEngines({ build: b.build, ttlMs: 1000, now: () => now });
    await engines.use('a', async () => 1);
    await engines.use('b', async () => 1);
    now = 1500;
    engines.sweep();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(b.closed.sort(), ['a#1', 'b#2']);
    assert.equal(engines.cached, 0);
    await engines.close();
    await assert.rejects(
      engines.use('a', async () => 1),
      /shutting down/,
    );
  });

  it('does not keep a failed build: the next use tries again', async () => {
    const fail = new Set(['a']);
    const b = fakeBuilder(fail);
    const engines = new TenantEngines({ build: b.build, ttlMs: 60_000 });
    await assert.rejects(
      engines.use('a', async () => 1),
      TenantUnavailableError,
    );
    fail.clear();
    assert.equal(await engines.use('a', async (e) => nameOf(e)), 'a#1');
  });

  it('no tenant is the single company; without one configured, a run must name a tenant', async () => {
    const single = { name: 'single' } as unknown as Engine;
    const b = fakeBuilder();
    assert.equal(
      await new TenantEngines({ single, build: b.build, ttlMs: 1 }).use(undefined, async (e) => nameOf(e)),
      'single',
    );
    await assert.rejects(
      new TenantEngines({ build: b.build, ttlMs: 1 }).use(undefined, async () => 1),
      /no single company/,
    );
    assert.deepEqual(b.built, []);
  });
});
