// Initial sync from scratch, then a daily run that must cost no SCIM write when nothing changed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedCompany } from '../../dev/engage-generator/seed';
import { checkInvariants } from '../../dev/harness/invariants';
import { SyncHarness } from '../support/sync-harness';

let h: SyncHarness;
before(async () => {
  h = await SyncHarness.create('initial');
  await seedCompany(h.engage.db, { users: 120, locations: 6, seed: 'initial-sync' });
  await h.startWorker();
});
after(async () => h?.close());

const writes = (s: { byMethod?: Record<string, number> }) =>
  (s.byMethod?.POST ?? 0) + (s.byMethod?.PATCH ?? 0) + (s.byMethod?.PUT ?? 0) + (s.byMethod?.DELETE ?? 0);

test('initial sync provisions every active Engage user and location with the seed rules, inviting each once', async () => {
  const result = await h.runSync({ kind: 'initial', invitations: { mode: 'send' } });
  assert.equal(result.status, 'completed', result.reason);
  const state = await h.visitorState();
  const engageActive = await h.engage.db
    .selectFrom('engage.users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('active', '=', true)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  assert.equal((result.counts.created ?? 0) + (result.counts.failed ?? 0), Number(engageActive.n));
  assert.equal(state.users.length, result.counts.created);
  assert.equal(result.locations?.created, 6);
  assert.equal(state.invitations.length, result.counts.created, 'one invitation per created user');
  assert.deepEqual(await checkInvariants(h, { accessToAllLocations: true, invitations: 'send' }), []);
  const run = await h.sync.db
    .selectFrom('sync.runs')
    .selectAll()
    .where('id', '=', result.runId)
    .executeTakeFirstOrThrow();
  assert.equal(run.status, 'completed');
});

test('a daily run with nothing changed in Engage makes no SCIM write', async () => {
  const before = writes(await h.visitorStats());
  const result = await h.runSync({ kind: 'daily' });
  assert.equal(result.status, 'completed', result.reason);
  assert.equal(result.counts.created ?? 0, 0);
  assert.equal(result.counts.updated ?? 0, 0);
  assert.ok((result.counts.unchanged ?? 0) > 100);
  assert.equal(writes(await h.visitorStats()), before, 'no POST/PUT/PATCH/DELETE reached Visitor');
});
