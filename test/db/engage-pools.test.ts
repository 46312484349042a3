// db/engage-pools.ts: one pool per database, pinned only while one of its connections is checked out;
// at most maxOpen idle pools stay open (least recently used close first); an idle pool closes in time;
// a failed connect unpins. With fake pools here, and against the real PostgreSQL at the end.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { EngagePools, type RawPool } from '../../db/engage-pools';
import type { EngageDatabase } from '../../db/engage-schema';
import { adminUrl, freshDatabase, type TestDatabase } from '../../dev/harness/db';

function fakePools(maxOpen: number, idleCloseMs = 60_000, failing = new Set<string>()) {
  const ended: string[] = [];
  const created: string[] = [];
  const pools = new EngagePools({
    poolSize: 2,
    maxOpen,
    idleCloseMs,
    overBoundGraceMs: 20,
    create: (url): RawPool => {
      created.push(url);
      return {
        connect: async () => {
          if (failing.has(url)) throw new Error('connection refused');
          return {
            query: async () => ({ rows: [], rowCount: 0, command: 'SELECT' }),
            release: () => {},
          } as never;
        },
        end: async () => void ended.push(url),
      };
    },
  });
  return { pools, ended, created };
}

const tick = () => new Promise((r) => setImmediate(r));
const query = (pools: EngagePools, url: string) => sql`select 1`.execute(pools.db(url));

/** Holds one of the database's connections until the returned function is called. */
async function hold(pools: EngagePools, url: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let checkedOut!: () => void;
  const out = new Promise<void>((r) => {
    checkedOut = r;
  });
  const done = pools
    .db(url)
    .connection()
    .execute(async () => {
      checkedOut();
      await held;
    });
  await out;
  return async () => {
    release();
    await done;
  };
}

describe('EngagePools', () => {
  it('opens one pool per database, shared by every handle on it', async () => {
    const { pools, created } = fakePools(4);
    await query(pools, 'postgres://a/db');
    await query(pools, 'postgres://a/db');
    await query(pools, 'postgres://b/db');
    assert.deepEqual(created, ['postgres://a/db', 'postgres://b/db']);
    await pools.close();
  });

  it('keeps at most maxOpen idle pools, closing the least recently used', async () => {
    const { pools, ended } = fakePools(2);
    await query(pools, 'postgres://a/db');
    await query(pools, 'postgres://b/db');
    await query(pools, 'postgres://a/db');
    await query(pools, 'postgres://c/db');
    await tick();
    assert.deepEqual(ended, ['postgres://b/db']);
    assert.equal(pools.openCount, 2);
    await pools.close();
  });

  it('a handle kept by an idle tenant pins nothing: its pool closes, and opens again on the next query', async () => {
    const { pools, ended, created } = fakePools(1);
    const a = pools.db('postgres://a/db');
    await sql`select 1`.execute(a);
    await query(pools, 'postgres://b/db');
    await tick();
    assert.deepEqual(ended, ['postgres://a/db']);
    await sql`select 1`.execute(a);
    assert.deepEqual(created, ['postgres://a/db', 'postgres://b/db', 'postgres://a/db']);
    await pools.close();
  });

  it('never closes a pool with a connection checked out: past the bound only meanwhile, then back to it', async () => {
    const { pools, ended } = fakePools(1);
    const releaseA = await hold(pools, 'postgres://a/db');
    await query(pools, 'postgres://b/db');
    await tick();
    assert.deepEqual(ended, [], 'b, just used, stays a moment (its activity may query again)');
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(ended, ['postgres://b/db'], 'a is in use: b, idle, goes');
    const releaseB = await hold(pools, 'postgres://b/db');
    assert.equal(pools.openCount, 2, 'both in use');
    assert.equal(pools.peakOpen, 2);
    await releaseA();
    await tick();
    assert.deepEqual(ended, ['postgres://b/db'], 'a stays open a moment for its next query');
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(ended, ['postgres://b/db', 'postgres://a/db'], 'then the bound holds again');
    await releaseB();
    await tick();
    assert.equal(pools.openCount, 1);
    await pools.close();
  });

  it('closes a pool unused for the idle time; a failed connect closes its pool at once', async () => {
    const failing = new Set(['postgres://down/db']);
    const { pools, ended } = fakePools(4, 30, failing);
    await query(pools, 'postgres://a/db');
    await assert.rejects(query(pools, 'postgres://down/db'), /connection refused/);
    await tick();
    assert.deepEqual(ended, ['postgres://down/db'], 'an unreachable database keeps no slot');
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(ended, ['postgres://down/db', 'postgres://a/db']);
    assert.equal(pools.openCount, 0);
  });
});

describe('EngagePools against PostgreSQL', () => {
  const dbs: TestDatabase<EngageDatabase>[] = [];
  after(async () => {
    for (const d of dbs) await d.drop();
  });

  it("opens connections to a tenant's database on demand and closes them when another needs the room", async () => {
    for (const n of ['pools_a', 'pools_b']) dbs.push(await freshDatabase<EngageDatabase>(n, []));
    const [a, b] = (dbs as [TestDatabase<EngageDatabase>, TestDatabase<EngageDatabase>]).map((d) => ({
      url: d.url,
      name: new URL(d.url).pathname.slice(1),
    })) as [{ url: string; name: string }, { url: string; name: string }];
    const pools = new EngagePools({ poolSize: 2, maxOpen: 1, idleCloseMs: 60_000 });
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    const readers = async () =>
      (
        await admin.query<{ datname: string }>(
          `select datname from pg_stat_activity where application_name = 'engage-visitor-sync (tenant reader)'
             and datname = any($1) order by 1`,
          [[a.name, b.name]],
        )
      ).rows.map((r) => r.datname);
    try {
      const ha = pools.db(a.url);
      await sql`select 1`.execute(ha);
      assert.deepEqual(await readers(), [a.name]);
      await sql`select 1`.execute(pools.db(b.url));
      // a's pool is closed as b's opens (maxOpen 1); pg ends its connection asynchronously.
      for (let i = 0; i < 50 && (await readers()).includes(a.name); i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await readers(), [b.name]);
      assert.equal(
        (await sql<{ n: number }>`select 2 as n`.execute(ha)).rows[0]!.n,
        2,
        'the handle opens it again',
      );
    } finally {
      await pools.close();
      await admin.end();
    }
  });
});
