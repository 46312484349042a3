// state/tenant-state.ts over PostgreSQL: each tenant's sync state is a schema of its own, built by the
// same migrations as `sync` (shared tables excepted), and every store path — the query builder's and
// the raw SQL's — reads and writes only the tenant's.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { Secret } from '../../config/secret';
import { migrateAllTenantStates } from '../../db/migrate';
import type { SyncDatabase } from '../../db/sync-schema';
import { PgDeletionGuard } from '../../state/deletion-guard';
import { SecretBox } from '../../state/secret-box';
import { PgSyncStore } from '../../state/sync-store';
import {
  dropTenantState,
  migrateTenantState,
  tenantStateSchema,
  tenantSyncDb,
} from '../../state/tenant-state';
import { TenantRegistry } from '../../state/tenants';
import { syncDatabase, userState } from './fixtures';

const { db } = syncDatabase('tenant_state');

/** Tables, columns, indexes and triggers of a schema, with the schema's name taken out. */
async function shape(d: Kysely<SyncDatabase>, schema: string) {
  const columns = await sql<{ t: string; c: string; type: string; nullable: string; dflt: string | null }>`
    select table_name as t, column_name as c, data_type as type, is_nullable as nullable,
      replace(column_default, ${`${schema}.`}, 'S.') as dflt
    from information_schema.columns where table_schema = ${schema} and table_name not like 'kysely_%'
    order by 1, 2`.execute(d);
  const indexes = await sql<{ def: string }>`
    select replace(indexdef, ${`${schema}.`}, 'S.') as def from pg_indexes
    where schemaname = ${schema} and tablename not like 'kysely_%' order by 1`.execute(d);
  const triggers = await sql<{ name: string; t: string }>`
    select trigger_name as name, event_object_table as t from information_schema.triggers
    where trigger_schema = ${schema} order by 1, 2`.execute(d);
  const constraints = await sql<{ t: string; name: string; def: string }>`
    select cl.relname as t, co.conname as name, replace(pg_get_constraintdef(co.oid), ${`${schema}.`}, 'S.') as def
    from pg_constraint co join pg_class cl on cl.oid = co.conrelid join pg_namespace n on n.oid = cl.relnamespace
    where n.nspname = ${schema} and cl.relname not like 'kysely_%' order by 1, 2`.execute(d);
  return {
    columns: columns.rows,
    indexes: indexes.rows,
    triggers: triggers.rows,
    constraints: constraints.rows,
  };
}

describe('tenant state', () => {
  it('names a schema per tenant and refuses an id that is not a tenant id', () => {
    assert.equal(tenantStateSchema('acme-eu'), 'sync_acme_eu');
    assert.throws(() => tenantStateSchema('Acme; drop schema sync'), /tenant id/);
  });

  it("builds a tenant's schema like sync, without the deployment's shared tables, and again does nothing", async () => {
    const applied = await migrateTenantState(db(), 'acme');
    assert.ok(applied.includes('0002_sync_state') && !applied.includes('0010_tenants'), applied.join(','));
    assert.deepEqual(await migrateTenantState(db(), 'acme'), []);
    const own = await shape(db(), 'sync_acme');
    const base = await shape(db(), 'sync');
    const shared = new Set(['tenants', 'visitor_rate_slots', 'alerts_sent']);
    const notShared = <T extends { t: string }>(rows: T[]) => rows.filter((r) => !shared.has(r.t));
    assert.deepEqual(own.columns, notShared(base.columns));
    assert.deepEqual(own.triggers, base.triggers);
    assert.deepEqual(own.constraints, notShared(base.constraints));
    assert.deepEqual(
      own.indexes,
      base.indexes.filter((i) => !/ON S\.(tenants|visitor_rate_slots|alerts_sent) /.test(i.def)),
    );
    assert.ok(own.triggers.length > 0 && own.indexes.length > 10);
  });

  it("keeps each tenant's users, failures and leases apart, raw SQL included", async () => {
    await migrateTenantState(db(), 'beta');
    const acme = new PgSyncStore(tenantSyncDb(db(), 'acme'));
    const beta = new PgSyncStore(tenantSyncDb(db(), 'beta'));
    await acme.saveUser(userState(1, { userName: 'ann@acme.example' }), 'run-a');
    await beta.saveUser(userState(1, { userName: 'bob@beta.example' }), 'run-b');
    assert.equal((await acme.usersByIds([1])).get(1)?.userName, 'ann@acme.example');
    assert.equal((await beta.usersByIds([1])).get(1)?.userName, 'bob@beta.example');
    assert.equal((await new PgSyncStore(db()).usersByIds([1])).size, 0, 'the default tenant sees neither');

    await acme.recordFailure(1, 'run-a', ['visitor_5xx'], {});
    assert.equal((await acme.failuresByIds([1])).get(1)?.failureCount, 1);
    assert.equal((await beta.failuresByIds([1])).size, 0);

    const lease = await acme.takeUserLease(1, 'page:a', 60_000);
    assert.equal(lease.taken, true);
    assert.equal((await beta.takeUserLease(1, 'page:b', 60_000)).taken, true, "acme's lease is not beta's");
  });

  it("a tenant's deletion decisions have workflow ids of its own (decision ids count per tenant)", async () => {
    const ids: Record<string, string> = {};
    for (const t of ['acme', 'beta']) {
      const d = tenantSyncDb(db(), t);
      const row = await d
        .insertInto('sync.deletion_decisions')
        .values({ reason: 'test', expires_at: new Date(Date.now() + 3_600_000) })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids[t] = (await new PgDeletionGuard(d, t).decision(Number(row.id)))!.workflowId;
    }
    assert.match(ids.acme!, /^acme\.deletion-decision-1-/);
    assert.match(ids.beta!, /^beta\.deletion-decision-1-/);
  });

  it('leaves the shared tables where they are', async () => {
    const t = tenantSyncDb(db(), 'acme');
    await t.insertInto('sync.visitor_rate_slots').values({ key: 'k-shared' }).execute();
    const r = await sql<{
      n: number;
    }>`select count(*)::int as n from sync.visitor_rate_slots where key = 'k-shared'`.execute(db());
    assert.equal(r.rows[0]!.n, 1);
  });

  it("a tenant added has its state schema; migrate brings every tenant's up to date", async () => {
    const reg = new TenantRegistry(db(), {
      box: new SecretBox([{ id: 'k1', key: new Secret(randomBytes(32)) }]),
    });
    await reg.add({
      id: 'delta',
      displayName: 'Delta',
      engage: { kind: 'schema', schema: 'engage_delta' },
      visitor: { url: 'https://visitor.example/scim/v1', token: new Secret('t0ken-delta') },
    });
    const exists = async () =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from pg_namespace where nspname = 'sync_delta'`.execute(db())
      ).rows[0]!.n === 1;
    assert.ok(await exists(), 'add created it');
    await dropTenantState(db(), 'delta');
    assert.ok(!(await exists()));
    const applied = await migrateAllTenantStates(db() as never);
    assert.ok(applied.delta?.includes('0002_sync_state'), JSON.stringify(applied));
    assert.ok(await exists(), 'migrate made it again');
    assert.deepEqual((await migrateAllTenantStates(db() as never)).delta, []);
  });

  it("drops one tenant's state and nothing else", async () => {
    await dropTenantState(db(), 'beta');
    const schemas = await sql<{ s: string }>`
      select nspname as s from pg_namespace where nspname like 'sync%' order by 1`.execute(db());
    assert.deepEqual(
      schemas.rows.map((r) => r.s),
      ['sync', 'sync_acme', 'sync_delta'],
    );
    assert.equal((await new PgSyncStore(tenantSyncDb(db(), 'acme')).usersByIds([1])).size, 1);
  });
});
