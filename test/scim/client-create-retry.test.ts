// A create retried after its answer was lost (issue 14, defect 7): when the user's e-mail (=
// userName) changed in Engage between the lost attempt and the retry, the retry POSTs a new
// userName with the same externalId (the Engage id). Visitor refuses it (409: the externalId is
// taken — by our own user); the client must adopt that user, not fail with a conflict or duplicate it.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { VisitorScimClient } from '../../scim/client';
import { VisitorServerError } from '../../scim/errors';
import type { ScimUser } from '../../scim/wire';
import type { Emulator } from './harness';
import { clearFaults, newClient, setFaults, startEmulator, userBody } from './harness';

let counter = 0;
const email = (tag: string) => `${tag}.${++counter}.${process.pid}@example.com`;

async function usersWhere(client: VisitorScimClient, filter: string): Promise<ScimUser[]> {
  const all: ScimUser[] = [];
  for await (const page of client.listUsers({ filter })) all.push(...page.resources);
  return all;
}

/** The /Users requests a client made, as [method, status]. */
const usersRequests = (requests: { route: string; method: string; status: number | undefined }[]) =>
  requests.filter((r) => r.route === '/Users').map((r) => [r.method, r.status]);

describe('Visitor SCIM client — a create retried after a lost answer', () => {
  let emu: Emulator;

  before(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    await clearFaults(emu);
  });
  after(async () => {
    await emu.close();
  });

  it('adopts our own user by externalId when the retry carries a new userName (no conflict, no duplicate)', async () => {
    const externalId = `engage-${++counter}`;
    const before = userBody({ email: email('before'), externalId });
    // First attempt: the create commits, its answer is lost and the client gives up (as an activity
    // attempt that fails after the write).
    await setFaults(emu, { errorAfterCommitRate: 1, routes: ['POST /Users'] });
    const lost = newClient(emu, { retry: { attempts: 1 } });
    await assert.rejects(lost.client.createUser(before), VisitorServerError);
    lost.client.close();
    await clearFaults(emu);

    // The e-mail changed in Engage meanwhile; the retried attempt sends the new one.
    const after = userBody({ email: email('after'), externalId });
    const { client, requests } = newClient(emu);
    const result = await client.createUser(after);
    assert.equal(result.adopted, true);
    assert.equal(result.user.externalId, externalId);
    assert.equal(
      result.user.userName,
      before.userName,
      'the user as Visitor holds it (the engine patches it)',
    );
    assert.deepEqual(usersRequests(requests), [
      ['POST', 409],
      ['GET', 200],
    ]);
    const byExternalId = await usersWhere(client, `externalId eq "${externalId}"`);
    const byNewName = await usersWhere(client, `userName eq "${after.userName}"`);
    client.close();
    assert.equal(byExternalId.length, 1, 'no duplicate');
    assert.equal(byExternalId[0]!.id, result.user.id);
    assert.equal(byNewName.length, 0);
  });

  it('on a 409, the externalId match wins over a userName match (the Engage id is what the sync writes)', async () => {
    const externalId = `engage-${++counter}`;
    const { client } = newClient(emu);
    const ours = await client.createUser(userBody({ email: email('ours'), externalId }));
    // Someone made a user by hand under the address our user now has in Engage.
    const handMade = await client.createUser(userBody({ email: email('taken') }));
    const retried = await client.createUser(userBody({ email: handMade.user.userName, externalId }));
    client.close();
    assert.equal(retried.adopted, true);
    assert.equal(retried.user.id, ours.user.id);
  });

  it('on a 409 with no externalId match, adopts the hand-made user with the userName', async () => {
    const { client, requests } = newClient(emu);
    const handMade = await client.createUser(userBody({ email: email('hand') }));
    requests.length = 0;
    const r = await client.createUser(
      userBody({ email: handMade.user.userName, externalId: `engage-${++counter}` }),
    );
    client.close();
    assert.equal(r.adopted, true);
    assert.equal(r.user.id, handMade.user.id);
    assert.deepEqual(usersRequests(requests), [
      ['POST', 409],
      ['GET', 200],
      ['GET', 200],
    ]);
  });

  it('a 409 nobody can be found for still fails as a conflict', async () => {
    // Visitor answers 409 but neither look-up finds the user (e.g. deleted in between): not adopted.
    const { client } = newClient(emu);
    const taken = await client.createUser(userBody({ email: email('gone') }));
    const body = userBody({ email: taken.user.userName, externalId: `engage-${++counter}` });
    const original = client.findUserByUserName.bind(client);
    client.findUserByUserName = async () => null;
    await assert.rejects(client.createUser(body), (err: Error) => err.name === 'VisitorConflictError');
    client.findUserByUserName = original;
    client.close();
  });

  it('retried: looks the user up by externalId first and adopts it without a POST', async () => {
    const externalId = `engage-${++counter}`;
    const { client, requests } = newClient(emu);
    const ours = await client.createUser(userBody({ email: email('pre'), externalId }));
    requests.length = 0;
    const r = await client.createUser(userBody({ email: email('pre-new'), externalId }), { retried: true });
    client.close();
    assert.equal(r.adopted, true);
    assert.equal(r.user.id, ours.user.id);
    assert.deepEqual(usersRequests(requests), [['GET', 200]], 'no POST: no duplicate on any target');
  });

  it('retried: nobody has the externalId yet → one look-up, then the create', async () => {
    const { client, requests } = newClient(emu);
    const r = await client.createUser(
      userBody({ email: email('fresh'), externalId: `engage-${++counter}` }),
      {
        retried: true,
      },
    );
    client.close();
    assert.equal(r.adopted, false);
    assert.deepEqual(usersRequests(requests), [
      ['GET', 200],
      ['POST', 201],
    ]);
  });

  it('first attempt: one request per user (no look-up before the create)', async () => {
    const { client, requests } = newClient(emu);
    const r = await client.createUser(userBody({ email: email('first'), externalId: `engage-${++counter}` }));
    client.close();
    assert.equal(r.adopted, false);
    assert.deepEqual(usersRequests(requests), [['POST', 201]]);
    assert.equal(requests.length, 1, 'nothing else either');
  });
});
