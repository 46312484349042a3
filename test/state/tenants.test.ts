// state/tenants.ts over PostgreSQL: the tenant registry's add, update, pause/resume, remove and the
// purge after the grace period, the slug and value checks, secrets sealed at rest, and rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { sql } from 'kysely';
import { Secret, type SecretKey } from '../../config/secret';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase } from '../../dev/harness/db';
import { SecretBox } from '../../state/secret-box';
import { TenantRuleError } from '../../state/tenant-rules';
import { migrateTenantState } from '../../state/tenant-state';
import { type NewTenant, TenantError, TenantRegistry } from '../../state/tenants';
import { syncDatabase } from './fixtures';

const { db } = syncDatabase('tenants');

const key = (id: string): SecretKey => ({ id, key: new Secret(randomBytes(32)) });
const k1 = key('k1');
const k2 = key('k2');
const TOKEN = 'visitor-token-7f3a9c';
const ENGAGE_URL = 'postgres://reader:pa55word-9d2e@engage-db:5432/engage_acme';

/** Each tenant's own Engage database (acme's is ENGAGE_URL): two tenants may not share one. */
const engageUrlOf = (id: string) => ENGAGE_URL.replace('engage_acme', `engage_${id.replace(/-/g, '_')}`);

const tenant = (id: string, over: Partial<NewTenant> = {}): NewTenant => ({
  id,
  displayName: `Company ${id}`,
  engage: { kind: 'database', url: new Secret(engageUrlOf(id)) },
  visitor: { url: 'https://visitor.example/scim/v1', token: new Secret(TOKEN) },
  ...over,
});

/** A clock the test moves by hand. */
function clock(start = new Date('2026-01-10T12:00:00Z')) {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('TenantRegistry', () => {
  it('adds a tenant with defaults, and shows it without its secrets', async () => {
    const reg = new TenantRegistry(db(), { box: new SecretBox([k1]) });
    const t = await reg.add(tenant('acme'));
    assert.equal(t.state, 'onboarding');
    assert.deepEqual(t.engage, { kind: 'database', url: { set: true, keyId: 'k1' } });
    assert.deepEqual(t.visitor, {
      url: 'https://visitor.example/scim/v1',
      token: { set: true, keyId: 'k1' },
    });
    assert.deepEqual(t.options, {});
    assert.equal(t.schedule.time, '02:00');
    assert.equal(t.schedule.timeZone, 'UTC');
    assert.equal(t.schedule.intervalMs, 86_400_000);
    assert.ok(t.schedule.jitterMs >= 0 && t.schedule.jitterMs < 3_600_000);
    const shown = JSON.stringify(await reg.list()) + inspect(await reg.get('acme'), { depth: 10 });
    assert.ok(!shown.includes(TOKEN) && !shown.includes('pa55word'), shown);
    await assert.rejects(reg.add(tenant('acme')), (err: Error) => {
      assert.ok(err instanceof TenantError);
      assert.match(err.message, /tenant acme exists already/);
      return true;
    });
  });

  it('stores secrets sealed: the raw columns hold neither the token nor the URL; connection() opens them', async () => {
    const reg = new TenantRegistry(db(), { box: new SecretBox([k1]) });
    await reg.add(tenant('sealed-co'));
    const raw = await sql<Record<string, unknown>>`SELECT * FROM sync.tenants WHERE id = 'sealed-co'`.execute(
      db(),
    );
    const text = JSON.stringify(raw.rows[0]);
    assert.ok(!text.includes(TOKEN), 'token in plain');
    assert.ok(!text.includes('pa55word') && !text.includes('engage-db'), 'database URL in plain');
    assert.match(String(raw.rows[0]!.visitor_token_sealed), /^evs1:k1:/);
    const c = await reg.connection('sealed-co');
    assert.equal(c.visitor.token.reveal(), TOKEN);
    assert.equal(c.engage.kind === 'database' && c.engage.url.reveal(), engageUrlOf('sealed-co'));
    assert.ok(!JSON.stringify(c).includes(TOKEN) && !inspect(c, { depth: 10 }).includes(TOKEN));
    // One tenant's sealed token copied into another row does not open there.
    await reg.add(tenant('other-co', { engage: { kind: 'schema', schema: 'engage_other' } }));
    await sql`UPDATE sync.tenants SET visitor_token_sealed = ${raw.rows[0]!.visitor_token_sealed} WHERE id = 'other-co'`.execute(
      db(),
    );
    await assert.rejects(reg.connection('other-co'), /does not open/);
  });

  it('refuses bad values naming them; the database checks the slug too', async () => {
    const reg = new TenantRegistry(db(), { box: new SecretBox([k1]) });
    const cases: [NewTenant, RegExp][] = [
      [tenant('Bad_Id'), /tenant id must be 2-40/],
      [tenant('x'), /tenant id must be 2-40/],
      [tenant('bad-zone', { schedule: { timeZone: 'Nowhere/City' } }), /time zone/],
      [tenant('bad-time', { schedule: { time: '25:00' } }), /schedule time/],
      [tenant('dst-co', { schedule: { time: '02:00', timeZone: 'Europe/Brussels' } }), /daylight saving/],
      [tenant('bad-schema', { engage: { kind: 'schema', schema: 'Engage-X' } }), /Engage schema/],
      [
        tenant('bad-url', { engage: { kind: 'database', url: new Secret('mysql://u:pw@h/db') } }),
        /postgres:\/\//,
      ],
      [
        tenant('bad-token', { visitor: { url: 'https://v.example', token: new Secret('two words') } }),
        /Visitor token/,
      ],
      [tenant('bad-option', { options: { deprovision: 'archive' as 'delete' } }), /option deprovision/],
    ];
    for (const [t, message] of cases) {
      await assert.rejects(reg.add(t), (err: Error) => {
        assert.ok(err instanceof TenantRuleError, `${t.id}: ${err.message}`);
        assert.match(err.message, message, t.id);
        assert.ok(!err.message.includes('pw@'));
        return true;
      });
    }
    await assert.rejects(
      sql`INSERT INTO sync.tenants (id, display_name, engage_kind, engage_schema, visitor_scim_url, visitor_token_sealed)
          VALUES ('UPPER', 'x', 'schema', 'engage', 'https://v', 'evs1:k1:a:b:c')`.execute(db()),
      /tenants_id_check/,
    );
    assert.equal((await reg.list()).filter((t) => t.id.startsWith('bad')).length, 0);
  });

  it('updates names, source, token, options and schedule (the jitter follows the interval)', async () => {
    const c = clock();
    const reg = new TenantRegistry(db(), { box: new SecretBox([k1]), now: c.now });
    await reg.add(tenant('upd-co', { options: { deprovision: 'deactivate', maxRequestsPerSecond: 5 } }));
    c.advance(60_000);
    const t = await reg.update('upd-co', {
      displayName: 'Updated Co',
      engage: { kind: 'schema', schema: 'engage_upd' },
      visitorToken: new Secret('new-token-1'),
      options: { deprovision: null, longValues: 'refuse' },
      schedule: { time: '23:30', timeZone: 'Europe/Brussels', intervalMs: 600_000 },
    });
    assert.equal(t.displayName, 'Updated Co');
    assert.deepEqual(t.engage, { kind: 'schema', schema: 'engage_upd' });
    assert.deepEqual(t.options, { maxRequestsPerSecond: 5, longValues: 'refuse' });
    assert.deepEqual(
      { ...t.schedule, jitterMs: undefined },
      { time: '23:30', timeZone: 'Europe/Brussels', intervalMs: 600_000, jitterMs: undefined },
    );
    assert.ok(t.schedule.jitterMs < 600_000);
    assert.equal(t.updatedAt.getTime(), c.now().getTime());
    assert.equal(t.state, 'onboarding');
    const conn = await reg.connection('upd-co');
    assert.equal(conn.visitor.token.reveal(), 'new-token-1');
    assert.deepEqual(conn.engage, { kind: 'schema', schema: 'engage_upd' });
    const raw = await sql<{
      u: string | null;
    }>`SELECT engage_database_url_sealed AS u FROM sync.tenants WHERE id = 'upd-co'`.execute(db());
    assert.equal(raw.rows[0]!.u, null, 'the old database URL is gone with the switch to a schema');
    await assert.rejects(reg.update('no-such', { displayName: 'x' }), /no tenant no-such/);
  });

  it('pause and resume; an onboarding tenant is started by resume', async () => {
    const reg = new TenantRegistry(db(), { box: new SecretBox([k1]) });
    await reg.add(tenant('pause-co'));
    assert.equal((await reg.resume('pause-co')).state, 'active');
    const paused = await reg.pause('pause-co', 'contract renewal');
    assert.equal(paused.state, 'paused');
    assert.equal(paused.stateNote, 'contract renewal');
    await assert.rejects(reg.pause('pause-co'), /already paused/);
    const resumed = await reg.resume('pause-co');
    assert.equal(resumed.state, 'active');
    assert.equal(resumed.stateNote, null);
    assert.deepEqual(
      (await reg.list({ states: ['active'] })).map((t) => t.id).filter((id) => id === 'pause-co'),
      ['pause-co'],
    );
  });

  it('remove offboards at once; the secrets stay through the grace period, then purgeOffboarded deletes them with its state', async () => {
    const c = clock();
    const reg = new TenantRegistry(db(), { box: new SecretBox([k1]), now: c.now });
    await reg.add(tenant('gone-co'));
    await reg.add(tenant('undo-co'));
    await migrateTenantState(db(), 'gone-co');
    await migrateTenantState(db(), 'undo-co');
    const schemas = async () =>
      (
        await sql<{
          s: string;
        }>`select nspname as s from pg_namespace where nspname in ('sync_gone_co', 'sync_undo_co') order by 1`.execute(
          db(),
        )
      ).rows.map((r) => r.s);
    const removed = await reg.remove('gone-co', { graceMs: 7 * 86_400_000 });
    assert.equal(removed.state, 'offboarded');
    assert.equal(removed.offboardedAt?.getTime(), c.now().getTime());
    assert.equal(removed.purgeAfter?.getTime(), c.now().getTime() + 7 * 86_400_000);
    await assert.rejects(reg.update('gone-co', { displayName: 'x' }), /is offboarded/);
    // Within the grace period: nothing purged; a mistaken remove is undone by resume.
    await reg.remove('undo-co');
    c.advance(7 * 86_400_000 - 1000);
    assert.deepEqual(await reg.purgeOffboarded(c.now()), []);
    assert.deepEqual(
      await schemas(),
      ['sync_gone_co', 'sync_undo_co'],
      'state kept through the grace period',
    );
    assert.equal((await reg.connection('gone-co')).visitor.token.reveal(), TOKEN);
    assert.equal((await reg.resume('undo-co')).state, 'active');
    assert.equal((await reg.get('undo-co'))?.offboardedAt, null);
    // After it: the secrets are deleted, once; the row stays so the id is not reused.
    c.advance(1000);
    assert.deepEqual(await reg.purgeOffboarded(c.now()), ['gone-co']);
    assert.deepEqual(await reg.purgeOffboarded(c.now()), []);
    assert.deepEqual(await schemas(), ['sync_undo_co'], "the offboarded tenant's state and log are gone");
    const t = (await reg.get('gone-co'))!;
    assert.equal(t.visitor.token.set, false);
    assert.deepEqual(t.engage, { kind: 'database', url: { set: false } });
    assert.equal(t.secretsPurgedAt?.getTime(), c.now().getTime());
    const raw = await sql<{ v: string | null; e: string | null }>`
      SELECT visitor_token_sealed AS v, engage_database_url_sealed AS e FROM sync.tenants WHERE id = 'gone-co'`.execute(
      db(),
    );
    assert.deepEqual(raw.rows[0], { v: null, e: null });
    await assert.rejects(reg.connection('gone-co'), /secrets are purged/);
    await assert.rejects(reg.resume('gone-co'), /secrets are purged/);
    await assert.rejects(reg.add(tenant('gone-co')), /exists already/);
    // The default grace is 30 days.
    const d = await reg.remove('undo-co');
    assert.equal(d.purgeAfter!.getTime() - d.offboardedAt!.getTime(), 30 * 86_400_000);
  });

  it('refuses an Engage source another tenant reads (same database under another user, same schema), until that tenant is offboarded', async () => {
    const reg = new TenantRegistry(db(), { box: new SecretBox([k1]) });
    await reg.add(tenant('src-a'));
    await reg.add(tenant('src-s', { engage: { kind: 'schema', schema: 'engage_src' } }));
    // The same database, reached as another user with another password: still src-a's.
    const sameDb = new Secret(engageUrlOf('src-a').replace('reader:pa55word-9d2e', 'other:pw2'));
    await assert.rejects(
      reg.add(tenant('src-b', { engage: { kind: 'database', url: sameDb } })),
      (err: Error) => {
        assert.ok(err instanceof TenantError);
        assert.match(err.message, /tenant src-a reads this Engage database already/);
        assert.ok(
          !err.message.includes('pw2') && !err.message.includes('pa55word'),
          'no secret in the message',
        );
        return true;
      },
    );
    await assert.rejects(
      reg.add(tenant('src-t', { engage: { kind: 'schema', schema: 'engage_src' } })),
      /tenant src-s reads this Engage schema engage_src already/,
    );
    assert.equal(await reg.get('src-b'), undefined, 'nothing was added');
    // An update cannot move a tenant onto another's source either.
    await reg.add(tenant('src-c'));
    await assert.rejects(
      reg.update('src-c', { engage: { kind: 'database', url: sameDb } }),
      /tenant src-a reads this Engage database already/,
    );
    // Once src-a is offboarded its source may go to another tenant; then src-a cannot come back on it.
    await reg.remove('src-a');
    await reg.add(tenant('src-b', { engage: { kind: 'database', url: sameDb } }));
    await assert.rejects(reg.resume('src-a'), /tenant src-b reads this Engage database already/);
  });

  it('rotate-secrets re-seals every secret under the first key; then the old key can go', async () => {
    const scoped = await freshRegistry();
    const old = new TenantRegistry(scoped.db, { box: new SecretBox([k1]) });
    await old.add(tenant('rot-a'));
    await old.add(tenant('rot-b', { engage: { kind: 'schema', schema: 'engage_b' } }));
    const both = new TenantRegistry(scoped.db, { box: new SecretBox([k2, k1]) });
    await both.add(tenant('rot-c'));
    assert.deepEqual(await both.rotateSecrets(), { keyId: 'k2', resealed: 3, tenants: 3 });
    assert.deepEqual(await both.rotateSecrets(), { keyId: 'k2', resealed: 0, tenants: 3 });
    const onlyNew = new TenantRegistry(scoped.db, { box: new SecretBox([k2]) });
    for (const id of ['rot-a', 'rot-b', 'rot-c']) {
      assert.equal((await onlyNew.connection(id)).visitor.token.reveal(), TOKEN);
      assert.equal((await onlyNew.get(id))!.visitor.token.keyId, 'k2');
    }
    // A secret no listed key opens fails the rotation as a whole, naming the tenant, and changes nothing.
    // (Its Engage source is a schema: a database URL would be compared with the others', which k9 cannot open.)
    await new TenantRegistry(scoped.db, { box: new SecretBox([key('k9')]) }).add(
      tenant('rot-d', { engage: { kind: 'schema', schema: 'engage_d' } }),
    );
    await assert.rejects(onlyNew.rotateSecrets(), /tenant:rot-d:.*key "k9"/);
    await scoped.drop();
  });

  it('without TENANT_SECRETS_KEYS, secrets cannot be sealed or opened, but listing works', async () => {
    const reg = new TenantRegistry(db());
    await assert.rejects(reg.add(tenant('nokey-co')), /TENANT_SECRETS_KEYS is not set/);
    await assert.rejects(reg.connection('acme'), /TENANT_SECRETS_KEYS is not set/);
    assert.ok((await reg.list()).length > 0);
  });
});

/** Rotation touches every row: it gets a database of its own so the other cases' tenants stay out. */
const freshRegistry = () => freshDatabase<SyncDatabase>('state_tenants_rot', ['sync']);
