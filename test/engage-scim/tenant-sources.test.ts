// engage-scim/tenant-sources.ts with a fake registry: a served tenant is opened once (one Engage
// handle, one publisher); a change in the registry (state, Engage source) drops or reopens it at the next
// check; the registry failing leaves open tenants served; an idle tenant with an empty outbox is
// closed; an unknown id is remembered a while instead of asking the registry on every request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { Secret } from '../../config/secret';
import type { EngageDatabase } from '../../db/engage-schema';
import type { Publisher } from '../../engage-scim/publisher';
import { TenantScimSources, TenantUnavailable } from '../../engage-scim/tenant-sources';
import type { Tenant } from '../../state/tenants';

/** A database whose outbox holds `pending()` rows (the only query the sources make themselves). */
function fakeDb(name: string, pending: () => boolean): Kysely<EngageDatabase> {
  const chain: Record<string, unknown> = {};
  for (const m of ['selectFrom', 'select', 'where', 'limit']) chain[m] = () => chain;
  chain.executeTakeFirst = async () => (pending() ? { id: 1 } : undefined);
  chain.name = name;
  return chain as unknown as Kysely<EngageDatabase>;
}

function world() {
  let now = 0;
  const rows: Record<string, { state: Tenant['state']; updatedAt: number }> = {
    acme: { state: 'active', updatedAt: 1 },
  };
  const log: string[] = [];
  let registryDown = false;
  let pending = false;
  let gets = 0;
  let opened = 0;
  const sources = new TenantScimSources({
    registry: {
      get: async (id: string) => {
        gets++;
        if (registryDown) throw new Error('registry down');
        const r = rows[id];
        return r ? ({ id, state: r.state, updatedAt: new Date(r.updatedAt) } as Tenant) : undefined;
      },
      list: async () => Object.keys(rows).map((id) => ({ id }) as Tenant),
      connection: async (id: string) => ({
        tenantId: id,
        engage: { kind: 'database', url: new Secret(`postgres://h/${id}`) },
        visitor: { url: 'https://v.example', token: new Secret('t') },
      }),
    },
    sharedEngage: {} as Kysely<EngageDatabase>,
    pools: {
      db: (url) => {
        const n = ++opened;
        log.push(`open ${url} #${n}`);
        return fakeDb(`db#${n}`, () => pending);
      },
    },
    startPublisher: (id) => {
      log.push(`publisher ${id}`);
      return { wake() {}, publishOnce: async () => 0, stop: async () => void log.push('stop') } as Publisher;
    },
    configuredEngageUrl: 'postgres://h/engage',
    recheckMs: 1000,
    idleMs: 5000,
    now: () => now,
  });
  return {
    sources,
    rows,
    log,
    at: (t: number) => {
      now = t;
    },
    registry: (down: boolean) => {
      registryDown = down;
    },
    outbox: (p: boolean) => {
      pending = p;
    },
    gets: () => gets,
  };
}
const nameOf = (s: { db: unknown } | undefined) => (s?.db as { name?: string } | undefined)?.name;

describe('TenantScimSources', () => {
  it('opens a served tenant once, and drops it at the next check once paused', async () => {
    const w = world();
    const [a, b] = await Promise.all([w.sources.get('acme'), w.sources.get('acme')]);
    assert.equal(nameOf(a), 'db#1');
    assert.equal(nameOf(b), 'db#1');
    assert.deepEqual(w.log, ['open postgres://h/acme #1', 'publisher acme']);
    w.rows.acme!.state = 'paused';
    assert.ok(await w.sources.get('acme'), 'served until the next check');
    w.at(1500);
    assert.equal(await w.sources.get('acme'), undefined);
    assert.deepEqual(w.log.slice(2), ['stop']);
    await w.sources.close();
  });

  it('reopens a tenant whose registry row changed (a new Engage source), and keeps serving when the registry is down', async () => {
    const w = world();
    assert.equal(nameOf(await w.sources.get('acme')), 'db#1');
    w.rows.acme!.updatedAt = 2;
    w.at(1500);
    assert.equal(nameOf(await w.sources.get('acme')), 'db#2', 'reopened from the changed row');
    w.registry(true);
    w.at(3000);
    assert.equal(nameOf(await w.sources.get('acme')), 'db#2', 'the registry failing leaves it served');
    await assert.rejects(w.sources.get('beta'), TenantUnavailable);
    await w.sources.close();
  });

  it('remembers an unknown id a while, and closes an idle tenant once its outbox is empty', async () => {
    const w = world();
    assert.equal(await w.sources.get('ghost'), undefined);
    const asked = w.gets();
    for (let i = 0; i < 5; i++) assert.equal(await w.sources.get('ghost'), undefined);
    assert.equal(w.gets(), asked, 'no registry read per request for an unknown id');
    await w.sources.get('acme');
    w.outbox(true);
    w.at(6000);
    await w.sources.sweep();
    assert.ok(!w.log.includes('stop'), 'kept while its outbox holds changes');
    w.outbox(false);
    await w.sources.sweep();
    assert.ok(w.log.includes('stop'));
    await w.sources.close();
  });

  it("refuses a tenant whose Engage database is the configured company's", async () => {
    const w = world();
    w.rows.engage = { state: 'active', updatedAt: 1 };
    await assert.rejects(w.sources.get('engage'), /configured company's/);
    await w.sources.close();
  });
});
