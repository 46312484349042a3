// db/engage-pools.ts with fake pools: one per database, at most maxOpen open (idle ones closed,
// least recently used first), one in use never closed under its user, an idle one closed in time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { EngagePools } from '../../db/engage-pools';
import type { EngageDatabase } from '../../db/engage-schema';

function fakePools(maxOpen: number, idleCloseMs = 60_000) {
  const destroyed: string[] = [];
  const pools = new EngagePools({
    poolSize: 2,
    maxOpen,
    idleCloseMs,
    create: (url) =>
      ({
        url,
        destroy: async () => void destroyed.push(url),
      }) as unknown as Kysely<EngageDatabase>,
  });
  return { pools, destroyed };
}
const urlOf = (db: Kysely<EngageDatabase>) => (db as unknown as { url: string }).url;

describe('EngagePools', () => {
  it('opens one pool per database and shares it between users', () => {
    const { pools } = fakePools(4);
    const a1 = pools.acquire('postgres://a/db');
    const a2 = pools.acquire('postgres://a/db');
    assert.equal(a1.db, a2.db);
    assert.equal(pools.opened, 1);
  });

  it('keeps at most maxOpen open, closing the least recently used idle ones', async () => {
    const { pools, destroyed } = fakePools(2);
    const a = pools.acquire('postgres://a/db');
    a.release();
    const b = pools.acquire('postgres://b/db');
    b.release();
    const c = pools.acquire('postgres://c/db');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(destroyed, ['postgres://a/db']);
    assert.equal(pools.openCount, 2);
    c.release();
    await pools.close();
  });

  it('never closes a pool in use: past the bound only while more are in use, then back to it', async () => {
    const { pools, destroyed } = fakePools(1);
    const a = pools.acquire('postgres://a/db');
    const b = pools.acquire('postgres://b/db');
    assert.equal(pools.openCount, 2, 'both in use');
    assert.deepEqual(destroyed, []);
    a.release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(destroyed, ['postgres://a/db']);
    assert.equal(urlOf(b.db), 'postgres://b/db');
    b.release();
    await pools.close();
  });

  it('closes a pool nobody used for the idle time, and a release twice counts once', async () => {
    const { pools, destroyed } = fakePools(4, 30);
    const a = pools.acquire('postgres://a/db');
    const a2 = pools.acquire('postgres://a/db');
    a.release();
    a.release();
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(destroyed, [], 'still used by a2');
    a2.release();
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(destroyed, ['postgres://a/db']);
    assert.equal(pools.openCount, 0);
  });
});
