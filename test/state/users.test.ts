// User states: the round trip, shared access-set objects, plan inputs and their stamping, the group
// commit against a real database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { PgSyncStore } from '../../state/sync-store';
import { syncDatabase, userState } from './fixtures';

/** Counts the upserts of sync.users that go to the database. */
class StatementCounter implements KyselyPlugin {
  userUpserts = 0;
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'users') this.userUpserts++;
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

const { db, store } = syncDatabase('users');

describe('user states', () => {
  it('round-trip through saveUser, usersByIds and usersInRange', async () => {
    const s = userState(101, { ownedAccess: { 'loc-1': 'regular', 'loc-2': 'admin' } });
    await store().saveUser(s, 'run-1', { planInput: 'ctx:row-101' });
    await store().saveUser(userState(102, { visitorUserId: null, deprovisioned: true }), 'run-1');
    const byIds = await store().usersByIds([101, 102, 199]);
    assert.deepEqual([...byIds.keys()].sort(), [101, 102]);
    const { version, ...read } = byIds.get(101)!;
    assert.deepEqual(read, { ...s, invitationStatus: 'none', planInput: 'ctx:row-101' });
    assert.match(version!, /^\d+$/, 'the row version comes along');
    assert.equal(byIds.get(102)!.visitorUserId, null);
    assert.equal(byIds.get(102)!.deprovisioned, true);
    assert.equal(byIds.get(102)!.planInput, null, 'no plan input given: unknown');
    const inRange = await store().usersInRange(100, 102);
    assert.deepEqual(inRange, byIds);
    assert.deepEqual(await store().usersByIds([]), new Map());
  });

  it('reads a range as (afterId, upToId], a null bound open', async () => {
    for (const id of [201, 202, 203, 204]) await store().saveUser(userState(id), 'run-2');
    const ids = async (a: number | null, b: number | null) =>
      [...(await store().usersInRange(a, b)).keys()].filter((id) => id > 200 && id < 300).sort();
    assert.deepEqual(await ids(201, 203), [202, 203]);
    assert.deepEqual(await ids(null, 202), [201, 202]);
    assert.deepEqual(await ids(202, null), [203, 204]);
    assert.deepEqual(await ids(null, null), [201, 202, 203, 204]);
  });

  it('gives users with the same access one shared frozen object, across reads and store instances', async () => {
    await store().saveUser(userState(301, { ownedAccess: { 'loc-a': 'admin', 'loc-b': 'regular' } }), 'r');
    await store().saveUser(userState(302, { ownedAccess: { 'loc-b': 'regular', 'loc-a': 'admin' } }), 'r');
    await store().saveUser(userState(303, { ownedAccess: { 'loc-c': 'regular' } }), 'r');
    const reader = new PgSyncStore(db());
    const a = await reader.usersByIds([301, 302, 303]);
    assert.equal(a.get(301)!.ownedAccess, a.get(302)!.ownedAccess);
    assert.notEqual(a.get(301)!.ownedAccess, a.get(303)!.ownedAccess);
    assert.ok(Object.isFrozen(a.get(301)!.ownedAccess));
    const b = await reader.usersInRange(300, 399);
    assert.equal(b.get(302)!.ownedAccess, a.get(301)!.ownedAccess, 'a later read: the same object');
    // One stored set per distinct content.
    const digests = await db()
      .selectFrom('sync.users')
      .select('owned_access_digest')
      .where('engage_user_id', 'in', [301, 302, 303])
      .execute();
    assert.equal(new Set(digests.map((d) => d.owned_access_digest)).size, 2);
  });

  it('refuses to read a state whose access set is missing', async () => {
    await db()
      .insertInto('sync.users')
      .values({
        engage_user_id: 399,
        user_name: 'x@example.com',
        attributes: JSON.stringify(userState(399).attributes),
        owned_access_digest: 'f'.repeat(64),
        fingerprint: 'fp',
        updated_at: new Date(),
      })
      .execute();
    await assert.rejects(store().usersByIds([399]), /missing access set f{64}/);
    await db().deleteFrom('sync.users').where('engage_user_id', '=', 399).execute();
  });

  it('records plan inputs: given ones kept, a save without one forgets it', async () => {
    await store().saveUser(userState(401), 'r', { planInput: 'c:1' });
    await store().saveUser(userState(402), 'r', { planInput: 'c:2' });
    await store().saveUser(userState(403), 'r');
    assert.deepEqual(
      await store().planInputsInRange(400, 499),
      new Map([
        [401, 'c:1'],
        [402, 'c:2'],
        [403, null],
      ]),
    );
    await store().saveUser(userState(401), 'r2');
    assert.equal((await store().planInputsInRange(400, 401)).get(401), null);
  });

  it('writes created_by_run and the invitation only when given; a later save keeps them', async () => {
    const due = new Date('2030-01-01T00:00:00Z');
    await store().saveUser(userState(501), 'run-a', {
      createdByRun: 'run-a',
      invitation: { status: 'pending', runId: 'run-a', dueAt: due },
    });
    await store().saveUser(userState(501, { fingerprint: 'fp-new' }), 'run-b');
    const row = await db()
      .selectFrom('sync.users')
      .selectAll()
      .where('engage_user_id', '=', 501)
      .executeTakeFirstOrThrow();
    assert.equal(row.created_by_run, 'run-a');
    assert.equal(row.last_run_id, 'run-b');
    assert.equal(row.fingerprint, 'fp-new');
    assert.equal(row.invitation_status, 'pending');
    assert.equal(row.invitation_run_id, 'run-a');
    assert.deepEqual(row.invitation_due_at, due);
    assert.equal(row.invitation_sent_at, null);
    assert.equal((await store().usersByIds([501])).get(501)!.invitationStatus, 'pending');
  });

  it('stamps a plan input only where the state is still the one planned', async () => {
    const same = userState(601);
    const unlinked = userState(602, { visitorUserId: null, deprovisioned: true });
    const refingerprinted = userState(603);
    const relinked = userState(604);
    const redeprovisioned = userState(605);
    for (const s of [same, unlinked, refingerprinted, relinked, redeprovisioned])
      await store().saveUser(s, 'r');
    // Other runs saved these three since they were planned.
    await store().saveUser({ ...refingerprinted, fingerprint: 'fp-other' }, 'other', { planInput: 'theirs' });
    await store().saveUser({ ...relinked, visitorUserId: 'v-other' }, 'other', { planInput: 'theirs' });
    await store().saveUser({ ...redeprovisioned, deprovisioned: true }, 'other', { planInput: 'theirs' });
    await store().stampPlanInputs(
      [same, unlinked, refingerprinted, relinked, redeprovisioned].map((state) => ({
        state,
        planInput: 'mine',
      })),
    );
    assert.deepEqual(
      await store().planInputsInRange(600, 699),
      new Map([
        [601, 'mine'],
        [602, 'mine'], // a null Visitor id matches a null one
        [603, 'theirs'],
        [604, 'theirs'],
        [605, 'theirs'],
      ]),
    );
    await store().stampPlanInputs([]); // nothing to do, no statement
  });

  it('stamping leaves the rest of the state as it was', async () => {
    await store().saveUser(userState(651), 'run-x');
    const before = await db()
      .selectFrom('sync.users')
      .selectAll()
      .where('engage_user_id', '=', 651)
      .execute();
    await store().stampPlanInputs([{ state: userState(651), planInput: 'p' }]);
    const after = await db().selectFrom('sync.users').selectAll().where('engage_user_id', '=', 651).execute();
    assert.deepEqual(after, [{ ...before[0]!, plan_input: 'p' }]);
  });

  it('finds the Engage user linked to a Visitor user, and counts linked active users', async () => {
    await store().saveUser(userState(701, { visitorUserId: 'v-find-me' }), 'r');
    assert.equal(await store().engageIdOfVisitorUser('v-find-me'), 701);
    assert.equal(await store().engageIdOfVisitorUser('v-nobody'), null);
    const before = await store().countLinkedUsers();
    await store().saveUser(userState(702), 'r'); // linked
    await store().saveUser(userState(703, { deprovisioned: true }), 'r'); // deactivated
    await store().saveUser(userState(704, { visitorUserId: null }), 'r'); // never created
    assert.equal(await store().countLinkedUsers(), before + 1);
  });

  it('commits concurrent saves together, every caller seeing its own row written', async () => {
    const counter = new StatementCounter();
    const counted = new PgSyncStore(db().withPlugin(counter));
    const ids = Array.from({ length: 60 }, (_, i) => 1000 + i);
    await Promise.all(
      ids.map((id) =>
        counted.saveUser(
          userState(id),
          'bulk',
          id % 2 === 0 ? { invitation: { status: 'pending', runId: 'bulk' } } : { planInput: `p${id}` },
        ),
      ),
    );
    const got = await store().usersInRange(999, 1059);
    assert.equal(got.size, ids.length);
    assert.equal(got.get(1000)!.invitationStatus, 'pending');
    assert.equal(got.get(1000)!.planInput, null);
    assert.equal(got.get(1001)!.invitationStatus, 'none');
    assert.equal(got.get(1001)!.planInput, 'p1001');
    // Two shapes of row (with and without the invitation columns): a statement or two each, not 60.
    assert.ok(counter.userUpserts >= 2 && counter.userUpserts <= 4, `${counter.userUpserts} statements`);
  });

  it('keeps one user’s saves in order, the last one wins', async () => {
    await Promise.all([
      store().saveUser(userState(1101, { fingerprint: 'one' }), 'r'),
      store().saveUser(userState(1101, { fingerprint: 'two' }), 'r'),
      store().saveUser(userState(1101, { fingerprint: 'three' }), 'r'),
    ]);
    assert.equal((await store().usersByIds([1101])).get(1101)!.fingerprint, 'three');
  });

  it('fails only the save that breaks a constraint, not the ones sharing its statement', async () => {
    const results = await Promise.allSettled([
      store().saveUser(userState(1201, { visitorUserId: 'v-taken' }), 'r'),
      store().saveUser(userState(1202), 'r'),
      store().saveUser(userState(1203, { visitorUserId: 'v-taken' }), 'r'),
      store().saveUser(userState(1204), 'r'),
    ]);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ i, err: r.reason }] : []));
    assert.equal(failed.length, 1, 'one of the two users claiming v-taken');
    assert.equal((failed[0]!.err as { code?: string }).code, '23505');
    const got = await store().usersByIds([1201, 1202, 1203, 1204]);
    assert.equal(got.size, 3);
    assert.ok(got.has(1202) && got.has(1204));
  });
});
