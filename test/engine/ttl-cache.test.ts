// engine/ttl-cache.ts: promises cached per key for a while; a failed load is never kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from '../../engine/ttl-cache';
import { FakeClock } from './fakes';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TtlCache', () => {
  it('answers from the cache within the ttl (the bound included), loads again after it', async () => {
    const clock = new FakeClock();
    const cache = new TtlCache<number>(1000, clock);
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get('k', load), 1);
    clock.advance(1000);
    assert.equal(await cache.get('k', load), 1, 'exactly ttl old is still fresh');
    clock.advance(1);
    assert.equal(await cache.get('k', load), 2, 'older than ttl: loaded again');
    assert.equal(loads, 2);
  });

  it('shares one pending load between callers of the same key, not between keys', async () => {
    const cache = new TtlCache<string>(1000, new FakeClock());
    const d = deferred<string>();
    let loads = 0;
    const a = cache.get('a', () => {
      loads++;
      return d.promise;
    });
    const b = cache.get('a', () => {
      loads++;
      return Promise.resolve('other');
    });
    assert.equal(a, b, 'the same promise');
    const c = cache.get('c', async () => {
      loads++;
      return 'c';
    });
    d.resolve('a');
    assert.deepEqual(await Promise.all([a, b, c]), ['a', 'a', 'c']);
    assert.equal(loads, 2);
  });

  it('drops expired entries of every key on access', async () => {
    const clock = new FakeClock();
    const cache = new TtlCache<number>(100, clock);
    await cache.get('a', async () => 1);
    await cache.get('b', async () => 2);
    assert.equal(cache.size, 2);
    clock.advance(101);
    await cache.get('c', async () => 3);
    assert.equal(cache.size, 1, 'a and b expired and were dropped');
  });

  it('forgets a rejected load: the next call loads again', async () => {
    const cache = new TtlCache<number>(60_000, new FakeClock());
    const boom = new Error('read failed');
    await assert.rejects(
      cache.get('k', () => Promise.reject(boom)),
      (e) => e === boom,
    );
    await Promise.resolve(); // let the cache's own rejection handler run
    assert.equal(cache.size, 0);
    assert.equal(await cache.get('k', async () => 7), 7);
    assert.equal(await cache.get('k', async () => 8), 7, 'the successful load is kept');
  });

  it('an old load rejecting late does not evict the newer entry of its key', async () => {
    const clock = new FakeClock();
    const cache = new TtlCache<string>(100, clock);
    const old = deferred<string>();
    const first = cache.get('k', () => old.promise);
    clock.advance(101);
    let newer = 0;
    const second = cache.get('k', async () => {
      newer++;
      return 'new';
    });
    assert.notEqual(first, second);
    old.reject(new Error('late failure'));
    await assert.rejects(first, /late failure/);
    assert.equal(await second, 'new');
    assert.equal(await cache.get('k', async () => 'third'), 'new', 'the newer entry is still cached');
    assert.equal(newer, 1);
    assert.equal(cache.size, 1);
  });
});
