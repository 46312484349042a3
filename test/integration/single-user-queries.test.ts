// Per-user provisioning over the real PostgreSQL (Engage and sync state): the SQL statements one
// reconcileSingleUser issues do not grow with the number of Engage users, and the identity lookup
// reads Engage through its indexes, never the whole users table. Visitor is the engine tests' fake.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { EngageDatabase } from '../../db/engage-schema';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { createEngageReader } from '../../engage/reader';
import { noProgress, systemClock } from '../../engine/defaults';
import { createEngine, type Engine } from '../../engine/engine';
import { reconcileSingleUser } from '../../engine/single-user';
import { PgDeletionGuard } from '../../state/deletion-guard';
import { PgSyncStore } from '../../state/sync-store';
import { FakeVisitor, settings } from '../engine/fakes';

/** Every statement sent to PostgreSQL through this pool (node-postgres client.query), in order. */
interface Counted<DB> {
  db: Kysely<DB>;
  statements: { text: string; values: unknown[] }[];
  close(): Promise<void>;
}

function counted<DB>(url: string): Counted<DB> {
  const statements: Counted<DB>['statements'] = [];
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      if (typeof a[0] === 'string') statements.push({ text: a[0], values: (a[1] as unknown[]) ?? [] });
      return query(...a);
    };
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, statements, close: () => db.destroy() };
}

const alone = (n: number) => `alone.${n}@example.com`;
const shared = (n: number) => `dana.scully.${n}@example.com`;

describe('reconcileSingleUser: queries per user', () => {
  let engageDb: TestDatabase<EngageDatabase>;
  let syncDb: TestDatabase<SyncDatabase>;
  let engage: Counted<EngageDatabase>;
  let state: Counted<SyncDatabase>;
  let visitor: FakeVisitor;
  let engine: Engine;
  let run = 0;

  before(async () => {
    engageDb = await freshDatabase<EngageDatabase>('single_user_queries_engage', ['engage']);
    syncDb = await freshDatabase<SyncDatabase>('single_user_queries_sync', ['sync']);
    engage = counted<EngageDatabase>(engageDb.url);
    state = counted<SyncDatabase>(syncDb.url);
    visitor = new FakeVisitor();
    engine = createEngine({
      engage: createEngageReader(engage.db),
      visitor,
      store: new PgSyncStore(state.db),
      guard: new PgDeletionGuard(state.db),
      settings,
      concurrency: 4,
      clock: systemClock,
    });
  });
  after(async () => {
    await engage?.close();
    await state?.close();
    await engageDb?.drop();
    await syncDb?.drop();
  });

  /** Engage users up to `total`: filler people, none sharing an identity. */
  async function growEngageTo(total: number): Promise<void> {
    await sql`
      INSERT INTO engage.users (username, email, given_name, family_name)
      SELECT 'person' || g || '@example.com', 'person' || g || '@example.com', 'Given', 'Family' || g
      FROM generate_series((SELECT count(*) FROM engage.users) + 1, ${total}) g`.execute(engageDb.db);
    await sql`ANALYZE engage.users`.execute(engageDb.db);
  }

  async function addUser(username: string, email: string | null): Promise<number> {
    const row = await engageDb.db
      .insertInto('engage.users')
      .values({ username, email, given_name: 'Dana', family_name: 'Scully' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** One per-user run, and the statements it sent to each database. */
  async function measured(engageUserId: number) {
    const e0 = engage.statements.length;
    const s0 = state.statements.length;
    const r = await reconcileSingleUser(
      engine,
      { runId: `provision-user-${engageUserId}@${++run}`, engageUserId, dryRun: false },
      1,
      noProgress,
    );
    return {
      outcome: r.outcome,
      engage: engage.statements.length - e0,
      state: state.statements.length - s0,
      engageStatements: engage.statements.slice(e0),
    };
  }

  /** The same three per-user runs: a new user, the same user again, a user sharing an identity. */
  async function scenario(n: number) {
    const a = await addUser(alone(n), alone(n));
    const b = await addUser(shared(n), shared(n));
    // Another user whose e-mail (not username) is B's identity, in other case: found by lower(email).
    const c = await addUser(`dscully${n}`, shared(n).toUpperCase());
    const created = await measured(a);
    const unchanged = await measured(a);
    const conflict = await measured(b);
    assert.equal(created.outcome, 'created');
    assert.equal(unchanged.outcome, 'unchanged');
    assert.equal(conflict.outcome, 'failed');
    const failure = await syncDb.db
      .selectFrom('sync.user_failures')
      .select('codes')
      .where('engage_user_id', '=', b)
      .executeTakeFirstOrThrow();
    assert.deepEqual(failure.codes, ['duplicate_identity']);
    return { created, unchanged, conflict, c };
  }

  const counts = (m: { engage: number; state: number }) => ({ engage: m.engage, state: m.state });

  it('issues the same number of statements with 50 and with 2,000 Engage users', async (t) => {
    await growEngageTo(50);
    // A worker's steady state, after two per-user runs: the shared location context is read (one
    // listLocations and one location-map query per TTL, not per user), and the store has saved and
    // loaded the access set new users share (once per distinct set and worker).
    const warm = await addUser(alone(0), alone(0));
    assert.equal((await measured(warm)).outcome, 'created');
    assert.equal((await measured(warm)).outcome, 'unchanged');
    const reads = visitor.count('listLocations');
    const small = await scenario(1);
    await growEngageTo(2_000);
    const large = await scenario(2);
    assert.equal(visitor.count('listLocations'), reads, 'no Visitor location read per user');

    for (const k of ['created', 'unchanged', 'conflict'] as const) {
      assert.deepEqual(counts(large[k]), counts(small[k]), `${k}: the same statements at both sizes`);
      t.diagnostic(`${k}: ${large[k].engage} Engage + ${large[k].state} state statements per user`);
    }
    // Engage: the user by id, then its identity group by index lookups (an inactive or invalid
    // user skips the second).
    for (const k of ['created', 'unchanged', 'conflict'] as const) assert.equal(large[k].engage, 2);
  });

  it('looks identities up through the indexes: no sequential scan of engage.users', async () => {
    const ids = [
      (
        await engageDb.db
          .selectFrom('engage.users')
          .select('id')
          .where('username', '=', shared(2))
          .executeTakeFirstOrThrow()
      ).id,
    ];
    const before = engage.statements.length;
    const groups = await engine.engage.identityConflicts(ids);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.userIds.length, 2);
    const [lookup] = engage.statements.slice(before);
    assert.ok(lookup);
    // With sequential scans priced out, a plan still scanning engage.users would mean no index
    // matches the lookup's expressions (what real Engage must index: lower(username), lower(email)).
    const client = new pg.Client({ connectionString: engageDb.url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${lookup.text}`, lookup.values);
      const plan = JSON.stringify(rows[0]['QUERY PLAN']);
      assert.ok(!/"Node Type":"Seq Scan"[^}]*"Relation Name":"users"/.test(plan), plan);
      for (const index of ['users_pkey', 'users_username_lower_key', 'users_email_lower_idx'])
        assert.ok(plan.includes(`"Index Name":"${index}"`), `${index} used: ${plan}`);
    } finally {
      await client.end();
    }
  });
});
