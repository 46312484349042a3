// The Engage change feed over the real stack: changes made directly in the Engage database (not through
// the Engage SCIM API) reach Visitor through per-user provisioning, a late-committing transaction is
// not lost, a mass change becomes one bulk run, and one worker polls a company at a time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type ChangeFeeds, startChangeFeeds } from '../../workers/change-feeds';
import type { SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

let h: SyncHarness;
let ids: number[];
let feed: ChangeFeeds;
const handed: { tenant: string | undefined; users: number; bulk: string | null }[] = [];
const logged: string[] = [];

const feeds = (holder: string) =>
  startChangeFeeds(
    {
      syncDb: h.built.syncDb,
      companies: () => h.built.companies(),
      engageFor: (t) => h.built.engageFor(t),
      client: h.client,
      config: h.config,
      holder,
      log: (m) => logged.push(m),
      onPoll: (tenant, r) => handed.push({ tenant, ...r }),
    },
    { loop: false },
  );

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

const visitorUser = async (id: number) =>
  (await h.visitorState()).users.find((u) => u.externalId === String(id));

before(async () => {
  h = await SyncHarness.create('feed', {
    env: { CHANGE_FEED_BULK_THRESHOLD: '4', CHANGE_FEED_OVERLAP: '30s' },
  });
  await addLocations(h.engage.db, ['Paris', 'Lyon']);
  ids = await addUsers(
    h.engage.db,
    Array.from({ length: 12 }, (_, i) => ({ givenName: 'Ann', familyName: `Lee ${i}` })),
  );
  await h.startWorker();
  const initial = await h.runSync({ kind: 'initial' });
  assert.equal(initial.status, 'completed', initial.reason);
  feed = feeds('worker-a');
  await feed.pollAll(); // the feed begins at Engage's now
});
after(async () => {
  await feed?.stop();
  await h?.close();
});

describe('the Engage change feed', () => {
  it('an UPDATE made directly in Engage reaches Visitor through per-user provisioning', async () => {
    await h.engage.db
      .updateTable('engage.users')
      .set({ family_name: 'Renamed' })
      .where('id', '=', ids[0]!)
      .execute();
    await feed.pollAll();
    assert.deepEqual(handed.at(-1), { tenant: undefined, users: 1, bulk: null }, logged.join('\n'));
    const u = await until('the new name in Visitor', async () => {
      const v = await visitorUser(ids[0]!);
      return v?.name.familyName === 'Renamed' ? v : undefined;
    });
    assert.equal(u.name.familyName, 'Renamed');
    await feed.pollAll();
    assert.deepEqual(handed.at(-1), { tenant: undefined, users: 0, bulk: null }, 'handed on once');
  });

  it('a promotion (a location-admin link) and a deactivation go the same way; the leaver is removed', async () => {
    const [paris] = await h.engage.db.selectFrom('engage.locations').select('id').orderBy('id').execute();
    await h.engage.db
      .insertInto('engage.location_admins')
      .values({ user_id: ids[1]!, location_id: paris!.id })
      .execute();
    await h.engage.db.updateTable('engage.users').set({ active: false }).where('id', '=', ids[2]!).execute();
    await feed.pollAll();
    assert.equal(handed.at(-1)!.users, 2);
    await until('the leaver gone from Visitor', async () =>
      (await visitorUser(ids[2]!)) ? undefined : true,
    );
  });

  it('a transaction that commits after a poll, stamped before it, is caught by the next poll', async () => {
    const client = new pg.Client({ connectionString: h.engage.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('UPDATE engage.users SET job_title = $1 WHERE id = $2', ['Late committer', ids[3]]);
      await feed.pollAll(); // the row is not visible yet: its transaction is open
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    await feed.pollAll();
    await until('the late change in Visitor', async () =>
      (await visitorUser(ids[3]!))?.title === 'Late committer' ? true : undefined,
    );
  });

  it('a mass change becomes one bulk run instead of a per-user run each', async () => {
    await h.engage.db
      .updateTable('engage.users')
      .set({ job_title: 'Bulk import' })
      .where('id', 'in', ids.slice(4, 10))
      .execute();
    await feed.pollAll();
    const last = handed.at(-1)!;
    assert.equal(last.users, 0);
    assert.match(String(last.bulk), /users changed at once \(over 4\)/);
    const runs = await until('the bulk run recorded', async () => {
      const r = await h.sync.db
        .selectFrom('sync.runs')
        .select(['workflow_id', 'status'])
        .where('workflow_id', 'like', 'daily-sync-feed-%')
        .execute();
      return r.length ? r : undefined;
    });
    assert.equal(runs.length, 1);
    const result = (await h.client.workflow.getHandle(runs[0]!.workflow_id).result()) as SyncRunResult;
    assert.equal(result.status, 'completed', result.reason);
    for (const id of ids.slice(4, 10)) assert.equal((await visitorUser(id))?.title, 'Bulk import');
    await feed.pollAll();
    assert.equal(handed.at(-1)!.users, 0, 'the users the bulk run covered are not handed on again');
  });

  it('one worker polls a company at a time; another takes over once the lease is given back', async () => {
    const other = feeds('worker-b');
    const before = handed.length;
    await other.pollAll();
    assert.equal(handed.length, before, 'worker-b holds no lease: it reads nothing');
    await feed.stop();
    await h.engage.db
      .updateTable('engage.users')
      .set({ family_name: 'Takeover' })
      .where('id', '=', ids[10]!)
      .execute();
    await other.pollAll();
    assert.equal(handed.at(-1)!.users, 1);
    await until('the change in Visitor', async () =>
      (await visitorUser(ids[10]!))?.name.familyName === 'Takeover' ? true : undefined,
    );
    feed = other;
  });
});
