// /Bulk after an unexpected error in one operation: the operations before it are committed, so the
// identity provider must still learn their ids; the failing one is its own 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { BULK, newUser, type ScimHarness, scimHarness } from './support';

describe('Engage SCIM /Bulk: every operation answers for itself', () => {
  let h: ScimHarness;
  const logged: string[] = [];
  before(async () => {
    h = await scimHarness('bulkerr', { log: (m) => logged.push(m) });
    // An error no handler expects: PostgreSQL fails the insert of one particular user.
    await sql`
      CREATE FUNCTION engage.fail_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.username LIKE 'boom%' THEN RAISE EXCEPTION 'injected failure'; END IF;
        RETURN NEW;
      END $$`.execute(h.db.db);
    await sql`CREATE TRIGGER fail_boom BEFORE INSERT ON engage.users FOR EACH ROW EXECUTE FUNCTION engage.fail_boom()`.execute(
      h.db.db,
    );
  });
  after(() => h.close());

  const userId = async (userName: string) => {
    const r = await h.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    return r.body.Resources[0]?.id as string | undefined;
  };

  it('reports the committed operations and the failed one, then goes on', async () => {
    const r = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: newUser('first@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: newUser('boom@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'c', data: newUser('third@example.com') },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const ops = r.body.Operations;
    assert.deepEqual(
      ops.map((o: { status: string; bulkId: string }) => `${o.bulkId}:${o.status}`),
      ['a:201', 'b:500', 'c:201'],
    );
    assert.equal(ops[0].location, `${h.server.baseUrl}/Users/${await userId('first@example.com')}`);
    assert.equal(ops[2].location, `${h.server.baseUrl}/Users/${await userId('third@example.com')}`);
    assert.deepEqual(ops[1].response, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
      detail: 'internal server error',
    });
    assert.ok(!JSON.stringify(r.body).includes('injected'), 'no database message reaches the client');
    assert.ok(
      logged.some((m) => m.includes('POST /Users')),
      logged.join('\n'),
    );
    assert.equal(await userId('boom@example.com'), undefined);
  });

  it('counts an unexpected error against failOnErrors', async () => {
    const r = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: newUser('kept@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: newUser('boom2@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'c', data: newUser('never@example.com') },
      ],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.Operations.map((o: { status: string }) => o.status),
      ['201', '500'],
    );
    assert.ok(await userId('kept@example.com'));
    assert.equal(await userId('never@example.com'), undefined);
    // A retry of the whole request learns the committed user exists (409) and what it is called.
    const retry = await h.call('POST', '/Bulk', {
      schemas: [BULK],
      failOnErrors: 2,
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: newUser('kept@example.com') }],
    });
    assert.equal(retry.body.Operations[0].status, '409');
  });

  it('answers a single request that fails unexpectedly with a generic SCIM 500', async () => {
    const r = await h.call('POST', '/Users', newUser('boom3@example.com'));
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
      detail: 'internal server error',
    });
  });
});
