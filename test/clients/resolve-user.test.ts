// `sync user <who>`: an Engage id, user name or e-mail resolved to one Engage user, against real databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../clients/args';
import { type CliContext, CliError } from '../../clients/context';
import { parseUserArg, resolveUser } from '../../clients/sync/resolve-user';
import { loadConfig } from '../../config/service';
import type { EngageDatabase } from '../../db/engage-schema';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import type { Tenant } from '../../state/tenants';

let engage: TestDatabase<EngageDatabase>;
let sync: TestDatabase<SyncDatabase>;
const ctx = (tenant?: Tenant): CliContext =>
  ({
    config: loadConfig({ ENGAGE_DATABASE_URL: engage.url, DATABASE_URL: sync.url }),
    db: () => sync.db,
    ...(tenant ? { tenant } : {}),
  }) as CliContext;

before(async () => {
  engage = await freshDatabase<EngageDatabase>('resolve_user_engage', ['engage']);
  sync = await freshDatabase<SyncDatabase>('resolve_user_sync', ['sync']);
  const user = (username: string, email: string | null, deleted = false) => ({
    username,
    email,
    given_name: 'A',
    family_name: 'B',
    ...(deleted ? { deleted_at: new Date() } : {}),
  });
  await engage.db
    .insertInto('engage.users')
    .values([
      user('ann.lee@example.com', 'ann.lee@example.com'),
      user('BOB', 'Bob.Stone@Example.com'),
      user('twin1', 'twin@example.com'),
      user('twin2', 'twin@example.com'),
    ] as never)
    .execute();
});
after(async () => {
  await engage?.drop();
  await sync?.drop();
});

describe('sync user <who>', () => {
  it('takes an id as is, and refuses a bad one or a name with spaces before opening anything', () => {
    assert.deepEqual(parseUserArg(' 42 '), { id: 42 });
    assert.throws(() => parseUserArg('0'), UsageError);
    assert.throws(() => parseUserArg('ann lee'), /no spaces/);
    assert.deepEqual(parseUserArg('ann.lee@example.com'), { identity: 'ann.lee@example.com' });
  });

  it('finds a user by user name or e-mail, whatever the case', async () => {
    const ids = await engage.db.selectFrom('engage.users').select(['id', 'username']).orderBy('id').execute();
    const idOf = (u: string) => ids.find((r) => r.username === u)!.id;
    assert.equal(await resolveUser(ctx(), { identity: 'ANN.LEE@example.com' }), idOf('ann.lee@example.com'));
    assert.equal(await resolveUser(ctx(), { identity: 'bob' }), idOf('BOB'));
    assert.equal(await resolveUser(ctx(), { identity: 'bob.stone@example.com' }), idOf('BOB'));
  });

  it('an unknown name is an error naming it; a name shared by two users asks for the id', async () => {
    await assert.rejects(
      resolveUser(ctx(), { identity: 'nobody@example.com' }),
      (e: Error) =>
        e instanceof CliError &&
        /no Engage user has the user name or e-mail "nobody@example.com"/.test(e.message),
    );
    await assert.rejects(
      resolveUser(ctx(), { identity: 'twin@example.com' }),
      (e: Error) =>
        e instanceof CliError && /names 2 Engage users \(ids \d+, \d+\): give the Engage id/.test(e.message),
    );
  });

  it("for a tenant, the sync's record of provisioned users answers", async () => {
    await sync.db
      .insertInto('sync.users')
      .values({
        engage_user_id: 501,
        visitor_user_id: 'v-501',
        user_name: 'Dee@Acme.example',
        attributes: JSON.stringify({}),
        owned_access_digest: 'd',
        fingerprint: 'f',
      } as never)
      .execute();
    const acme = { id: 'acme' } as Tenant;
    assert.equal(await resolveUser(ctx(acme), { identity: 'dee@acme.example' }), 501);
    await assert.rejects(
      resolveUser(ctx(acme), { identity: 'ann.lee@example.com' }),
      /among tenant acme's provisioned users/,
    );
  });
});
