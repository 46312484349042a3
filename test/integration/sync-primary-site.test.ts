// The primary site (issue 16): a company's Visitor already has a default location that is the very
// office Engage calls its HQ. The initial sync's dry run proposes the match, the operator confirms it,
// and the real run adopts Visitor's location: one site, global admins admin there, no duplicate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliContext } from '../../clients/context';
import { planSummary } from '../../clients/runs';
import { locationsAcceptCommand, locationsSeparateCommand } from '../../clients/sync/locations';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';

const HQ = { name: 'London HQ', address: { streetAddress: '0 High Street', locality: 'City 0' } };

const run = (cmd: typeof locationsAcceptCommand, positionals: string[], h: SyncHarness) =>
  cmd.run({ positionals, values: {} } as never, () => cliContext(h.config));

test('the HQ: proposed in the dry run, confirmed, adopted — one site, global admins admin there', async () => {
  const h = await SyncHarness.create('primary_site', { emulator: { defaultLocation: HQ } });
  try {
    const [hqId, parisId] = await addLocations(h.engage.db, ['London HQ', 'Paris']);
    const [admin, worker] = await addUsers(h.engage.db, [{ userType: 'global_admin' }, {}]);
    await h.startWorker();
    const defaultId = (await h.visitorState()).locations.find((l) => l.isDefault)!.id;

    const dryId = h.newRunId('initial');
    const dry = await h.runSync({ kind: 'initial', dryRun: true }, dryId);
    assert.equal(dry.locations?.awaitingMatch, 1);
    assert.equal(dry.locations?.created, 1, 'Paris would be created');
    const plan = await planSummary(cliContext(h.config).db(), dryId);
    assert.ok(
      plan.some((p) => p.action === 'propose-match' && p.count === 1),
      JSON.stringify(plan),
    );
    assert.equal((await h.visitorState()).locations.length, 1, 'the dry run wrote nothing');

    assert.equal(await run(locationsAcceptCommand, [dryId], h), 0);
    const real = await h.runSync({ kind: 'initial' });
    assert.equal(real.status, 'completed', real.reason);
    assert.deepEqual(
      [real.locations?.matched, real.locations?.created, real.locations?.awaitingMatch],
      [1, 1, 0],
    );

    const v = await h.visitorState();
    assert.equal(v.locations.length, 2, 'HQ adopted, Paris created: no second HQ');
    const hq = v.locations.find((l) => l.id === defaultId)!;
    assert.deepEqual([hq.externalId, hq.isDefault], [String(hqId), true]);
    const paris = v.locations.findIndex((l) => l.externalId === String(parisId));
    const hqIndex = v.locations.findIndex((l) => l.id === defaultId);
    const byExternal = new Map(v.users.map((u) => [u.externalId, u]));
    assert.equal(byExternal.get(String(admin))?.access[hqIndex], 'a', 'the global admin is admin at the HQ');
    assert.equal(byExternal.get(String(admin))?.access[paris], 'r');
    assert.equal(byExternal.get(String(worker))?.access[hqIndex], 'r');

    // A daily run afterwards finds the site unchanged.
    const daily = await h.runSync({ kind: 'daily' });
    assert.deepEqual([daily.locations?.unchanged, daily.locations?.created], [2, 0]);
  } finally {
    await h.close();
  }
});

test('without a decision the real run holds the HQ (never a duplicate); a refusal gives it its own site', async () => {
  const h = await SyncHarness.create('primary_site_refuse', { emulator: { defaultLocation: HQ } });
  try {
    const [hqId] = await addLocations(h.engage.db, ['London HQ']);
    await addUsers(h.engage.db, [{}]);
    await h.startWorker();
    const held = await h.runSync({ kind: 'initial' });
    assert.equal(held.locations?.awaitingMatch, 1);
    assert.equal((await h.visitorState()).locations.length, 1, 'no second HQ while the operator decides');

    assert.equal(await run(locationsSeparateCommand, [String(hqId)], h), 0);
    const daily = await h.runSync({ kind: 'daily' });
    assert.equal(daily.locations?.created, 1);
    const v = await h.visitorState();
    assert.equal(v.locations.length, 2);
    assert.equal(
      v.locations.find((l) => l.isDefault)?.externalId,
      undefined,
      "Visitor's default stays unmatched",
    );
    const refusal = await h.sync.db
      .selectFrom('sync.log')
      .select(['action', 'detail'])
      .where('object_type', '=', 'location')
      .where('action', '=', 'create')
      .executeTakeFirstOrThrow();
    assert.equal(refusal.detail?.refused_match, v.locations.find((l) => l.isDefault)!.id);
  } finally {
    await h.close();
  }
});
