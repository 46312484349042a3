// engine/reconcile-locations.ts: every active Engage location exists in Visitor, linked by Engage id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineConfigError } from '../../engine/errors';
import { reconcileLocations } from '../../engine/reconcile-locations';
import { VisitorInvalidRequestError } from '../../scim/errors';
import { engageLocation, type FakeWorld, fakeWorld, visitorError } from './fakes';

const run = (w: FakeWorld, runId = 'r1', dryRun = false) => reconcileLocations(w.engine, { runId, dryRun });

const zero = { created: 0, updated: 0, unchanged: 0, matched: 0, awaitingMatch: 0, orphaned: 0, failed: 0 };

/** A Visitor location as Visitor lists it. */
const visitorLocation = (id: string, externalId?: string) =>
  ({ schemas: [], id, name: id, isDefault: false, ...(externalId ? { externalId } : {}) }) as never;

describe('reconcileLocations', () => {
  it('creates missing locations, links them, logs them; a second run finds them unchanged', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2, { address: null, city: null }));
    const first = await run(w);
    assert.deepEqual(first, { defaultLocationId: 'loc-default', counts: { ...zero, created: 2 } });
    assert.equal(w.visitor.count('createLocation'), 2);
    const body = w.visitor.calls.find((c) => c.method === 'createLocation')!.body as Record<string, unknown>;
    assert.equal(body.externalId, '1');
    assert.equal(body.name, 'Office 1');
    const link1 = w.store.locations.get(1)!;
    assert.equal(link1.status, 'linked');
    assert.equal(w.visitor.locations.find((l) => l.id === link1.visitorId)?.externalId, '1');
    assert.deepEqual(
      w.store.logs.map((l) => [l.object_type, l.engage_id, l.action, l.outcome, l.visitor_id]).sort(),
      [
        ['location', 1, 'create', 'created', link1.visitorId],
        ['location', 2, 'create', 'created', w.store.locations.get(2)!.visitorId],
      ],
    );

    w.visitor.calls = [];
    w.store.logs = [];
    const second = await run(w, 'r2');
    assert.deepEqual(second.counts, { ...zero, unchanged: 2 });
    assert.deepEqual(
      w.visitor.calls.map((c) => c.method),
      ['listLocations'],
      'nothing written to Visitor',
    );
    assert.deepEqual(w.store.logs, []);
  });

  it('adopts a Visitor location that already has the Engage id as externalId', async () => {
    const w = fakeWorld();
    w.visitor.locations.push(visitorLocation('loc-hand', '1'));
    w.engage.locations.push(engageLocation(1));
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, updated: 1 });
    assert.equal(w.visitor.count('createLocation'), 0);
    const patch = w.visitor.calls.find((c) => c.method === 'patchLocation')!;
    assert.equal(patch.id, 'loc-hand');
    // Only what differs is written: Visitor keeps whatever else it has on the location.
    assert.deepEqual(patch.body, [
      { op: 'replace', path: 'name', value: 'Office 1' },
      { op: 'replace', path: 'timeZone', value: 'Europe/Paris' },
      { op: 'replace', path: 'address.streetAddress', value: '1 Main Street' },
      { op: 'replace', path: 'address.locality', value: 'Paris' },
      { op: 'replace', path: 'address.country', value: 'FR' },
    ]);
    assert.equal(w.store.locations.get(1)?.visitorId, 'loc-hand');
    assert.equal(w.store.logs[0]!.outcome, 'updated');
    assert.deepEqual((await run(w, 'r2')).counts, { ...zero, unchanged: 1 });
  });

  it('a create Visitor answers by adoption is logged as adopted', async () => {
    // Listed before another attempt created it: Visitor matches the externalId on create.
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    const list = w.visitor.listLocations.bind(w.visitor);
    w.visitor.listLocations = async () => {
      const listed = [...(await list())];
      w.visitor.locations.push(visitorLocation('loc-raced', '1'));
      return listed;
    };
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, created: 1 });
    assert.equal(w.store.locations.get(1)?.visitorId, 'loc-raced');
    assert.deepEqual(
      w.store.logs.map((l) => [l.action, l.outcome]),
      [['adopt', 'adopted']],
    );
  });

  it('updates a location whose name or address changed (a PATCH of what differs), and only that one', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2));
    await run(w);
    const before = w.store.locations.get(1)!;
    w.engage.locations[0] = engageLocation(1, { name: 'Renamed' });
    w.visitor.calls = [];
    w.store.logs = [];
    const r = await run(w, 'r2');
    assert.deepEqual(r.counts, { ...zero, updated: 1, unchanged: 1 });
    assert.deepEqual(
      w.visitor.calls.filter((c) => c.method !== 'listLocations').map((c) => [c.method, c.id]),
      [['patchLocation', before.visitorId]],
    );
    assert.equal(w.visitor.locations.find((l) => l.id === before.visitorId)?.name, 'Renamed');
    const after = w.store.locations.get(1)!;
    assert.equal(after.visitorId, before.visitorId);
    assert.notEqual(after.fingerprint, before.fingerprint);
    assert.deepEqual(
      w.store.logs.map((l) => [l.engage_id, l.action, l.outcome]),
      [[1, 'update', 'updated']],
    );
  });

  it('creates again a linked location removed from Visitor by hand', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    await run(w);
    const old = w.store.locations.get(1)!.visitorId;
    w.visitor.locations = w.visitor.locations.filter((l) => l.id !== old);
    const r = await run(w, 'r2');
    assert.deepEqual(r.counts, { ...zero, created: 1 });
    assert.notEqual(w.store.locations.get(1)!.visitorId, old);
  });

  it('links again an orphaned location whose Engage location is back', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    await run(w);
    w.engage.locations[0] = engageLocation(1, { active: false });
    assert.deepEqual((await run(w, 'r2')).counts, { ...zero, orphaned: 1 });
    w.engage.locations[0] = engageLocation(1);
    const r = await run(w, 'r3');
    assert.equal(w.store.locations.get(1)!.status, 'linked');
    assert.equal(r.counts.orphaned, 0);
    assert.equal(w.visitor.count('createLocation'), 1, 'the Visitor location is reused');
  });

  it('reports a location whose Engage location is gone as orphaned, once; Visitor keeps it', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2));
    await run(w);
    const link2 = w.store.locations.get(2)!;
    w.engage.locations = [engageLocation(1), engageLocation(2, { deletedAt: new Date() })];
    w.store.logs = [];
    const r = await run(w, 'r2');
    assert.deepEqual(r.counts, { ...zero, unchanged: 1, orphaned: 1 });
    assert.deepEqual(w.store.locations.get(2), { ...link2, status: 'orphaned' });
    assert.ok(
      w.visitor.locations.some((l) => l.id === link2.visitorId),
      'never deleted in Visitor',
    );
    assert.deepEqual(
      w.store.logs.map((l) => [l.engage_id, l.action, l.outcome, l.visitor_id]),
      [[2, 'report', 'orphaned', link2.visitorId]],
    );
    w.store.logs = [];
    const again = await run(w, 'r3');
    assert.equal(again.counts.orphaned, 0, 'not reported a second time');
    assert.deepEqual(w.store.logs, []);
  });

  it('logs invalid Engage locations and goes on with the others', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    w.engage.invalidLocations.push({ id: 9, reason: 'name: required', activeInEngage: true });
    const r = await run(w);
    assert.equal(r.counts.created, 1);
    const bad = w.store.logs.find((l) => l.engage_id === 9)!;
    assert.equal(bad.action, 'validate');
    assert.equal(bad.outcome, 'failed');
    assert.deepEqual(bad.detail, { reason: 'name: required' });
  });

  it('BUG: a linked location whose Engage row is malformed is not reported as gone (orphaned)', async () => {
    // The file's contract: "one whose Engage location is gone is reported as orphaned". A location
    // that is still active in Engage but whose row the reader cannot map comes back in `invalid`,
    // is missing from `active`, and is reported "the Engage location is gone" and marked orphaned —
    // which drops it from every run's location map (location-context.ts) until the row is fixed.
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    await run(w);
    const link = w.store.locations.get(1)!;
    w.engage.locations = [];
    w.engage.invalidLocations.push({ id: 1, reason: 'name: required', activeInEngage: true });
    const r = await run(w, 'r2');
    assert.equal(r.counts.orphaned, 0);
    assert.deepEqual(w.store.locations.get(1), link, 'still linked');
  });

  it('a location Visitor refuses (400) is counted failed; the others go on', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2), engageLocation(3));
    w.visitor.failNext('createLocation', visitorError(400, 'invalidValue', 'unknown time zone'));
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, created: 2, failed: 1 });
    assert.equal(w.store.locations.has(1), false, 'the refused one is not linked');
    assert.ok(w.store.locations.has(2) && w.store.locations.has(3));
    const failed = w.store.logs.find((l) => l.outcome === 'failed')!;
    assert.deepEqual([failed.engage_id, failed.action, failed.visitor_id], [1, 'create', null]);
    assert.deepEqual(failed.detail, { status: 400, scimType: 'invalidValue', detail: 'unknown time zone' });
    const retry = await run(w, 'r2');
    assert.deepEqual(retry.counts, { ...zero, created: 1, unchanged: 2 }, 'tried again next run');
  });

  it('an update Visitor refuses is a failed update of that location', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    await run(w);
    const link = w.store.locations.get(1)!;
    w.engage.locations[0] = engageLocation(1, { name: 'New' });
    w.visitor.failNext('patchLocation', visitorError(404));
    const r = await run(w, 'r2');
    assert.deepEqual(r.counts, { ...zero, failed: 1 });
    const failed = w.store.logs.at(-1)!;
    assert.deepEqual(
      [failed.action, failed.outcome, failed.visitor_id],
      ['update', 'failed', link.visitorId],
    );
    assert.deepEqual(w.store.locations.get(1), link, 'the old fingerprint stays: retried next run');
  });

  for (const [what, error] of [
    ['an auth error (401)', visitorError(401)],
    ['a transient error (503)', visitorError(503)],
    ['an error not Visitor’s (a plain Error)', new Error('database gone')],
  ] as const) {
    it(`${what} fails the call after logging what was applied`, async () => {
      const w = fakeWorld();
      for (let id = 1; id <= 20; id++) w.engage.locations.push(engageLocation(id));
      const create = w.visitor.createLocation.bind(w.visitor);
      let calls = 0;
      w.visitor.createLocation = async (body) => {
        if (++calls === 3) throw error;
        return create(body);
      };
      await assert.rejects(run(w), (e) => e === error);
      assert.ok(calls < 20, `no location starts after the error (${calls} started)`);
      const linked = [...w.store.locations.keys()].sort((a, b) => a - b);
      assert.ok(linked.length > 0);
      assert.deepEqual(
        w.store.logs.map((l) => l.engage_id).sort((a, b) => a! - b!),
        linked,
        'every location written is logged',
      );
      w.visitor.createLocation = create;
      const retry = await run(w, 'r1');
      assert.deepEqual(retry.counts, { ...zero, created: 20 - linked.length, unchanged: linked.length });
    });
  }

  it('an orphan that cannot be saved fails the call after logging', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    await run(w);
    w.engage.locations = [];
    w.store.logs = [];
    w.store.failNext('saveLocation', new Error('database gone'));
    await assert.rejects(run(w, 'r2'), /database gone/);
    assert.deepEqual(
      w.store.logs.map((l) => l.outcome),
      ['orphaned'],
    );
    assert.equal(w.store.locations.get(1)!.status, 'linked');
  });

  it('when the log cannot be written either, the error that failed the call wins', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2));
    const auth = visitorError(401);
    w.visitor.failNext('createLocation', auth);
    w.store.failNext('log', new Error('log down'));
    await assert.rejects(run(w), (e) => e === auth);

    const o = fakeWorld();
    o.engage.locations.push(engageLocation(1));
    await run(o);
    o.engage.locations = [];
    const save = new Error('save failed');
    o.store.failNext('saveLocation', save);
    o.store.failNext('log', new Error('log down'));
    await assert.rejects(run(o, 'r2'), (e) => e === save);
  });

  it('a body refused before sending (no HTTP status) is a failed location too', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2));
    w.visitor.failNext(
      'createLocation',
      new VisitorInvalidRequestError({ method: 'POST', route: '/Locations', detail: 'name too long' }),
    );
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, created: 1, failed: 1 });
    assert.deepEqual(w.store.logs.find((l) => l.outcome === 'failed')!.detail, {
      status: null,
      scimType: null,
      detail: 'name too long',
    });
  });

  it('a dry run writes nothing and logs what it would do as planned', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1), engageLocation(2), engageLocation(3));
    await run(w);
    const links = new Map(w.store.locations);
    w.engage.locations = [engageLocation(1, { name: 'Renamed' }), engageLocation(2), engageLocation(4)];
    w.engage.invalidLocations.push({ id: 5, reason: 'bad', activeInEngage: true });
    w.visitor.calls = [];
    w.store.logs = [];
    const r = await run(w, 'dry', true);
    assert.deepEqual(r.counts, {
      created: 1,
      updated: 1,
      unchanged: 1,
      matched: 0,
      awaitingMatch: 0,
      orphaned: 1,
      failed: 0,
    });
    assert.deepEqual(
      w.visitor.calls.map((c) => c.method),
      ['listLocations'],
    );
    assert.deepEqual(w.store.locations, links, 'no link written');
    assert.deepEqual(w.store.logs.map((l) => [l.engage_id, l.action, l.outcome]).sort(), [
      [1, 'update', 'planned'],
      [3, 'report', 'planned'],
      [4, 'create', 'planned'],
      [5, 'validate', 'planned'],
    ]);
  });

  it('needs a default location in Visitor', async () => {
    const w = fakeWorld();
    w.visitor.locations = [visitorLocation('loc-a')];
    w.engage.locations.push(engageLocation(1));
    await assert.rejects(run(w), EngineConfigError);
    assert.equal(w.visitor.count('createLocation'), 0);
  });
});

describe('reconcileLocations: Visitor locations that existed before the sync', () => {
  /** Visitor's default location, named as the company's HQ, as Visitor lists it (no externalId). */
  const hq = (name = 'Office 1') =>
    ({ schemas: [], id: 'loc-default', name, isDefault: true, address: { locality: 'Paris' } }) as never;

  it("proposes Visitor's default for the Engage HQ and creates nothing for it until an operator decides", async () => {
    const w = fakeWorld();
    w.visitor.locations = [hq()];
    w.engage.locations.push(engageLocation(1), engageLocation(2));
    const dry = await run(w, 'dry', true);
    assert.deepEqual(dry.counts, { ...zero, created: 1, awaitingMatch: 1 });
    const proposal = w.store.logs.find((l) => l.engage_id === 1)!;
    assert.deepEqual(
      [proposal.action, proposal.outcome, proposal.visitor_id],
      ['propose-match', 'planned', 'loc-default'],
    );
    assert.equal(
      (proposal.detail as { confirm: string }).confirm,
      'npm run sync -- locations match 1 loc-default',
    );
    assert.equal((proposal.detail as { default: boolean }).default, true);

    w.store.logs = [];
    const real = await run(w, 'real');
    assert.deepEqual(real.counts, { ...zero, created: 1, awaitingMatch: 1 });
    assert.equal(w.visitor.count('createLocation'), 1, 'only Office 2 is created: never a second HQ');
    assert.equal(w.store.locations.has(1), false);
    assert.equal(w.store.logs.find((l) => l.engage_id === 1)?.outcome, 'held');
  });

  it("an operator's match adopts the existing location (externalId, name) and later runs find it unchanged", async () => {
    const w = fakeWorld();
    w.visitor.locations = [hq('Head office')];
    w.engage.locations.push(engageLocation(1));
    w.store.matches.set(1, { decision: 'match', visitorLocationId: 'loc-default' });
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, matched: 1 });
    assert.equal(w.visitor.count('createLocation'), 0);
    assert.deepEqual(w.store.locations.get(1)?.visitorId, 'loc-default');
    const l = w.visitor.locations.find((x) => x.id === 'loc-default')!;
    assert.deepEqual([l.externalId, l.name, l.isDefault], ['1', 'Office 1', true]);
    const again = await run(w, 'r2');
    assert.deepEqual(again.counts, { ...zero, unchanged: 1 });
  });

  it('a dry run with a decided match plans the match and writes nothing', async () => {
    const w = fakeWorld();
    w.visitor.locations = [hq('Head office')];
    w.engage.locations.push(engageLocation(1));
    w.store.matches.set(1, { decision: 'match', visitorLocationId: 'loc-default' });
    const r = await run(w, 'dry', true);
    assert.deepEqual(r.counts, { ...zero, matched: 1 });
    assert.deepEqual(
      w.visitor.calls.map((c) => c.method),
      ['listLocations'],
    );
    assert.equal(w.store.locations.size, 0);
    assert.deepEqual([w.store.logs[0]?.action, w.store.logs[0]?.outcome], ['match', 'planned']);
  });

  it('a refused proposal: the Engage location gets its own site, the Visitor location stays unmatched and is named', async () => {
    const w = fakeWorld();
    w.visitor.locations = [hq()];
    w.engage.locations.push(engageLocation(1));
    w.store.matches.set(1, { decision: 'separate', visitorLocationId: 'loc-default' });
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, created: 1 });
    assert.notEqual(w.store.locations.get(1)?.visitorId, 'loc-default');
    assert.equal(w.visitor.locations.find((x) => x.id === 'loc-default')?.externalId, undefined);
    assert.equal(w.store.logs[0]?.detail?.refused_match, 'loc-default');
  });

  it('a match that cannot apply (gone, or taken by another Engage location) fails that location only', async () => {
    const w = fakeWorld();
    w.visitor.locations = [hq(), visitorLocation('loc-7', '7')];
    w.engage.locations.push(engageLocation(1), engageLocation(2), engageLocation(3, { name: 'Elsewhere' }));
    w.store.matches.set(1, { decision: 'match', visitorLocationId: 'loc-gone' });
    w.store.matches.set(2, { decision: 'match', visitorLocationId: 'loc-7' });
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, created: 1, failed: 2 });
    const reasons = w.store.logs
      .filter((l) => l.outcome === 'failed')
      .map((l) => [l.engage_id, (l.detail as { reason: string }).reason]);
    assert.match(String(reasons.find(([id]) => id === 1)?.[1]), /no longer exists/);
    assert.match(String(reasons.find(([id]) => id === 2)?.[1]), /already carries externalId 7/);
    assert.equal(w.visitor.count('patchLocation'), 0);
  });

  it('proposes only Visitor locations nothing claims: one with an externalId or already linked is no candidate', async () => {
    const w = fakeWorld();
    w.visitor.locations = [
      { schemas: [], id: 'loc-default', name: 'Main', isDefault: true } as never,
      visitorLocation('loc-x', 'someone-else'),
    ];
    (w.visitor.locations[1] as { name: string }).name = 'Office 1';
    w.engage.locations.push(engageLocation(1));
    const r = await run(w, 'dry', true);
    assert.deepEqual(r.counts, { ...zero, created: 1 });
  });

  it("two buildings at the HQ's address: neither is guessed, neither is created — both wait for the operator", async () => {
    const w = fakeWorld();
    w.visitor.locations = [
      {
        schemas: [],
        id: 'loc-default',
        name: 'HQ',
        isDefault: true,
        address: { streetAddress: '1 Main Street' },
      } as never,
    ];
    w.engage.locations.push(
      engageLocation(1, { name: 'Building A', address: '1 Main Street' }),
      engageLocation(2, { name: 'Building B', address: '1 Main Street' }),
    );
    const r = await run(w);
    assert.deepEqual(r.counts, { ...zero, awaitingMatch: 2 });
    assert.equal(w.visitor.count('createLocation'), 0);
    const held = w.store.logs.map((l) => [l.engage_id, l.action, l.outcome, l.detail?.candidates]);
    assert.deepEqual(held.sort(), [
      [1, 'propose-match', 'held', ['loc-default']],
      [2, 'propose-match', 'held', ['loc-default']],
    ]);
  });

  it('a match applies once: its site removed in Visitor later is created again, not failed forever', async () => {
    const w = fakeWorld();
    w.visitor.locations = [hq('Head office')];
    w.engage.locations.push(engageLocation(1));
    w.store.matches.set(1, { decision: 'match', visitorLocationId: 'loc-default' });
    assert.equal((await run(w)).counts.matched, 1);
    w.visitor.locations.push({
      schemas: [],
      id: 'loc-new-default',
      name: 'Elsewhere',
      isDefault: true,
    } as never);
    w.visitor.locations = w.visitor.locations.filter((l) => l.id !== 'loc-default');
    const again = await run(w, 'r2');
    assert.deepEqual(again.counts, { ...zero, created: 1 });
    assert.notEqual(w.store.locations.get(1)?.visitorId, 'loc-default');
  });

  it('location entries carry the digest of what they write, so a reviewed plan sees a renamed location', async () => {
    const w = fakeWorld();
    w.engage.locations.push(engageLocation(1));
    await run(w, 'dry1', true);
    w.engage.locations[0] = engageLocation(1, { name: 'Renamed' });
    await run(w, 'dry2', true);
    const plans = w.store.logs.map((l) => l.detail?.plan);
    assert.equal(plans.length, 2);
    assert.ok(plans.every((p) => typeof p === 'string'));
    assert.notEqual(plans[0], plans[1]);
  });
});
