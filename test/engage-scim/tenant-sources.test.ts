// engage-scim/tenant-sources.ts with a fake registry: a served tenant gets its database and a publisher
// once; a tenant paused meanwhile is dropped at the next check (its publisher stopped, its pool
// released) and answers as not served; an unknown one is never opened.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { Secret } from '../../config/secret';
import type { EngageDatabase } from '../../db/engage-schema';
import type { Publisher } from '../../engage-scim/publisher';
import { TenantScimSources } from '../../engage-scim/tenant-sources';
import type { Tenant } from '../../state/tenants';

describe('TenantScimSources', () => {
  it('opens a served tenant once, and drops it once paused', async () => {
    let now = 0;
    const state: Record<string, Tenant['state']> = { acme: 'active' };
    const log: string[] = [];
    const db = { name: 'acme-db' } as unknown as Kysely<EngageDatabase>;
    const sources = new TenantScimSources({
      registry: {
        get: async (id: string) => (state[id] ? ({ id, state: state[id] } as Tenant) : undefined),
        list: async () => [],
        connection: async (id: string) => ({
          tenantId: id,
          engage: { kind: 'database', url: new Secret(`postgres://x/${id}`) },
          visitor: { url: 'https://v.example', token: new Secret('t') },
        }),
      },
      sharedEngage: {} as Kysely<EngageDatabase>,
      pools: {
        acquire: (url) => {
          log.push(`acquire ${url}`);
          return { db, release: () => log.push('release') };
        },
      },
      startPublisher: (id) => {
        log.push(`publisher ${id}`);
        return {
          wake() {},
          publishOnce: async () => 0,
          stop: async () => void log.push('stop'),
        } as Publisher;
      },
      recheckMs: 1000,
      now: () => now,
    });
    assert.equal((await sources.get('acme'))?.db, db);
    assert.equal((await sources.get('acme'))?.db, db);
    assert.deepEqual(log, ['acquire postgres://x/acme', 'publisher acme']);
    state.acme = 'paused';
    assert.ok(await sources.get('acme'), 'served until the next check');
    now = 1500;
    assert.equal(await sources.get('acme'), undefined);
    assert.deepEqual(log.slice(2), ['stop', 'release']);
    assert.equal(await sources.get('ghost'), undefined);
    assert.equal(log.length, 4, 'nothing opened for an unknown tenant');
  });
});
