import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VisitorPreconditionFailedError } from '../../scim/errors';
import { setLocationAttributes } from '../../scim/patch';
import { URN_VISITOR_LOCATION } from '../../scim/wire';
import type { Emulator, Recorded } from './harness';
import { newClient, startEmulator } from './harness';

describe('Visitor SCIM client — locations and discovery', () => {
  let emu: Emulator;
  let rec: Recorded;

  before(async () => {
    emu = await startEmulator({ maxPageSize: 2 });
    rec = newClient(emu);
  });
  after(async () => {
    rec.client.close();
    await emu.close();
  });

  it('reads the service provider configuration', async () => {
    const spc = await rec.client.getServiceProviderConfig();
    assert.equal(spc.patch?.supported, true);
    assert.equal(spc.etag?.supported, true);
    assert.equal(spc.filter?.maxResults, 2);
  });

  it('finds the default location', async () => {
    const def = await rec.client.getDefaultLocation();
    assert.equal(def.isDefault, true);
    assert.ok(def.locationId && def.companyId);
  });

  it('creates, adopts, finds, lists (over pages), patches and replaces locations', async () => {
    const body = {
      schemas: [URN_VISITOR_LOCATION],
      externalId: 'engage-loc-1',
      name: 'London',
      timeZone: 'Europe/London',
    };
    const created = await rec.client.createLocation(body);
    assert.equal(created.adopted, false);
    assert.equal(created.location.name, 'London');

    const again = await rec.client.createLocation(body);
    assert.equal(again.adopted, true);
    assert.equal(again.location.id, created.location.id);

    assert.equal((await rec.client.findLocationByExternalId('engage-loc-1'))?.id, created.location.id);
    assert.equal(await rec.client.findLocationByExternalId('engage-loc-unknown'), null);

    for (const n of [2, 3, 4]) {
      await rec.client.createLocation({
        schemas: [URN_VISITOR_LOCATION],
        externalId: `engage-loc-${n}`,
        name: `L${n}`,
      });
    }
    const all = await rec.client.listLocations();
    assert.equal(new Set(all.map((l) => l.id)).size, all.length);
    for (const n of [1, 2, 3, 4]) assert.ok(all.some((l) => l.externalId === `engage-loc-${n}`));
    assert.ok(all.some((l) => l.isDefault));

    const patched = await rec.client.patchLocation(
      created.location.id,
      setLocationAttributes({ name: 'London HQ', 'address.locality': 'London' }),
      { ifMatch: created.location.meta.version },
    );
    assert.equal(patched.name, 'London HQ');
    assert.equal(patched.address?.locality, 'London');

    await assert.rejects(
      rec.client.replaceLocation(
        created.location.id,
        { ...body, name: 'Stale' },
        { ifMatch: created.location.meta.version },
      ),
      VisitorPreconditionFailedError,
    );
    const replaced = await rec.client.replaceLocation(
      created.location.id,
      { ...body, name: 'London Bridge' },
      { ifMatch: patched.meta.version },
    );
    assert.equal(replaced.name, 'London Bridge');
    assert.equal(replaced.address, undefined, 'PUT replaces the whole location');
    assert.equal((await rec.client.getLocation(created.location.id))?.name, 'London Bridge');
    assert.equal(await rec.client.getLocation('no-such-location'), null);
  });
});
