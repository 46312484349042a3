// The client against a Visitor that may not PATCH (the emulator with `patch: false`): it reads
// /ServiceProviderConfig and makes every update a read-modify-write PUT, with the same result as PATCH.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  VisitorInvalidRequestError,
  VisitorNotFoundError,
  VisitorPreconditionFailedError,
} from '../../scim/errors';
import {
  addLocationAccess,
  removeLocationAccess,
  removePhoneNumber,
  replaceUserName,
  setActive,
  setDefaultLocation,
  setLocationAttributes,
  setLocationRole,
  setPhoneNumber,
  setSso,
  setUserAttributes,
} from '../../scim/patch';
import type { PatchOperation, ScimUser } from '../../scim/wire';
import { URN_VISITOR_LOCATION, URN_VISITOR_USER } from '../../scim/wire';
import type { Emulator, Recorded } from './harness';
import { newClient, startEmulator, userBody } from './harness';

interface Side {
  emu: Emulator;
  rec: Recorded;
  /** Location name → id on this side. */
  loc: Record<string, string>;
}

async function side(patch: boolean): Promise<Side> {
  const emu = await startEmulator({ patch });
  const rec = newClient(emu);
  const loc: Record<string, string> = {};
  for (const name of ['Leeds', 'Lyon']) {
    const { location } = await rec.client.createLocation({ schemas: [URN_VISITOR_LOCATION], name });
    loc[name] = location.id;
  }
  loc.HQ = (await rec.client.getDefaultLocation()).id;
  return { emu, rec, loc };
}

const count = (rec: Recorded, method: string) => rec.requests.filter((r) => r.method === method).length;

/** A user without what differs between two emulators (ids, meta), location ids as names. */
function comparable(user: ScimUser, loc: Record<string, string>) {
  const name = Object.fromEntries(Object.entries(loc).map(([n, id]) => [id, n]));
  const { id: _id, meta: _meta, [URN_VISITOR_USER]: ext, ...rest } = user;
  return {
    ...rest,
    ext: {
      ...ext,
      defaultLocationId: name[ext.defaultLocationId],
      locationAccess: ext.locationAccess.map((a) => ({ ...a, locationId: name[a.locationId] })),
    },
  };
}

describe('Visitor SCIM client — a target that may not PATCH', () => {
  let withPatch: Side;
  let noPatch: Side;
  before(async () => {
    [withPatch, noPatch] = await Promise.all([side(true), side(false)]);
  });
  after(async () => {
    for (const s of [withPatch, noPatch]) {
      s.rec.client.close();
      await s.emu.close();
    }
  });

  it('reads what the target supports from /ServiceProviderConfig', async () => {
    assert.deepEqual(await noPatch.rec.client.targetCapabilities(), {
      patch: false,
      etag: true,
      maxResults: 500,
    });
    assert.deepEqual(await withPatch.rec.client.targetCapabilities(), {
      patch: true,
      etag: true,
      maxResults: 500,
    });
  });

  it('every update the sync makes gives the same user by PUT as by PATCH; no PATCH is sent', async () => {
    // Each step is built from the side's own location ids.
    const steps: ((loc: Record<string, string>) => PatchOperation[])[] = [
      () => setUserAttributes({ title: 'Chef', preferredLanguage: 'fr', 'name.givenName': 'Grace' }),
      () => [...replaceUserName('grace.hopper@example.com'), ...setSso(true)],
      () => [...setPhoneNumber('work', '+442079460000'), ...removePhoneNumber('mobile')],
      () => setPhoneNumber('mobile', '+447700900999'),
      (l) =>
        addLocationAccess([
          { locationId: l.Leeds!, role: 'admin' },
          { locationId: l.Lyon!, role: 'regular' },
        ]),
      (l) => [
        ...setLocationRole(l.Leeds!, 'regular'),
        ...removeLocationAccess(l.Lyon!),
        ...setDefaultLocation(l.Leeds!),
      ],
      (l) => [...setDefaultLocation(l.HQ!), ...setActive(false)],
      () => [...setActive(true), ...setUserAttributes({ title: null, 'name.formatted': 'Grace Hopper' })],
    ];
    const users = await Promise.all(
      [withPatch, noPatch].map(async (s) => {
        const body = userBody({
          email: 'grace@example.com',
          externalId: 'engage-7',
          phoneNumbers: [{ value: '+447700900123', type: 'mobile' }],
          [URN_VISITOR_USER]: { locationAccess: [{ locationId: s.loc.HQ!, role: 'admin' }] },
        });
        return (await s.rec.client.createUser(body)).user.id;
      }),
    );
    const patchesBefore = count(noPatch.rec, 'PATCH');
    for (const [i, step] of steps.entries()) {
      const [a, b] = await Promise.all(
        [withPatch, noPatch].map((s, k) => s.rec.client.patchUser(users[k]!, step(s.loc))),
      );
      assert.deepEqual(comparable(b!, noPatch.loc), comparable(a!, withPatch.loc), `step ${i + 1}`);
      const reread = await noPatch.rec.client.getUser(users[1]!);
      assert.deepEqual(reread, b, `step ${i + 1}: the answer is the stored user`);
    }
    assert.equal(count(noPatch.rec, 'PATCH'), patchesBefore, 'never a PATCH to a target without it');
    assert.ok(count(withPatch.rec, 'PUT') === 0, 'a target with PATCH is patched');
  });

  it('an update already applied sends no PUT (a retried attempt changes nothing)', async () => {
    const { client } = noPatch.rec;
    const { user } = await client.createUser(userBody({ email: 'again@example.com' }));
    const ops = [
      ...setUserAttributes({ title: 'Once' }),
      ...addLocationAccess([{ locationId: noPatch.loc.Lyon!, role: 'regular' }]),
    ];
    const first = await client.patchUser(user.id, ops);
    const puts = count(noPatch.rec, 'PUT');
    const second = await client.patchUser(user.id, ops);
    assert.equal(count(noPatch.rec, 'PUT'), puts);
    assert.deepEqual(second, first);
  });

  it('a role change where the user has no access is noTarget (the engine re-plans); nothing is sent', async () => {
    const { client } = noPatch.rec;
    const { user } = await client.createUser(userBody({ email: 'notarget@example.com' }));
    const puts = count(noPatch.rec, 'PUT');
    const err = await client
      .patchUser(user.id, setLocationRole(noPatch.loc.Leeds!, 'admin'))
      .catch((e: unknown) => e);
    assert.ok(err instanceof VisitorInvalidRequestError, String(err));
    assert.equal(err.scimType, 'noTarget');
    assert.equal(count(noPatch.rec, 'PUT'), puts);
  });

  it('a user gone is VisitorNotFoundError; a stale If-Match of the caller is its 412', async () => {
    const { client } = noPatch.rec;
    const gone = await client.patchUser('no-such-user', setSso(true)).catch((e: unknown) => e);
    assert.ok(gone instanceof VisitorNotFoundError);
    const { user } = await client.createUser(userBody({ email: 'stale@example.com' }));
    await client.patchUser(user.id, setSso(true));
    const stale = await client
      .patchUser(user.id, setSso(false), { ifMatch: user.meta.version })
      .catch((e: unknown) => e);
    assert.ok(stale instanceof VisitorPreconditionFailedError);
    assert.equal((await client.getUser(user.id))?.[URN_VISITOR_USER].sso, true);
  });

  it('patches a location by PUT', async () => {
    const { client } = noPatch.rec;
    const { location } = await client.createLocation({
      schemas: [URN_VISITOR_LOCATION],
      name: 'Lisbon',
      timeZone: 'Europe/Lisbon',
      address: { locality: 'Lisboa' },
    });
    const patched = await client.patchLocation(
      location.id,
      setLocationAttributes({ name: 'Lisboa', 'address.postalCode': '1100-148', timeZone: null }),
    );
    assert.equal(patched.name, 'Lisboa');
    assert.deepEqual(patched.address, { locality: 'Lisboa', postalCode: '1100-148' });
    assert.equal(patched.timeZone, undefined);
    assert.equal(patched.companyId, location.companyId, 'read-only attributes untouched');
  });
});
