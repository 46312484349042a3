// A tenant's Engage source opened: its own database from a pool, or its schema of the shared Engage
// database through the rename plugin. Used by the worker, the Engage SCIM API and its CLI.
import type { Kysely } from 'kysely';
import type { PoolLease } from '../db/engage-pools';
import type { EngageDatabase } from '../db/engage-schema';
import { SchemaRenamePlugin } from '../db/schema-rename-plugin';
import type { TenantConnection } from './tenants';

export function openTenantEngage(
  engage: TenantConnection['engage'],
  o: { shared: Kysely<EngageDatabase>; pools: { acquire(url: string): PoolLease } },
): { db: Kysely<EngageDatabase>; lease: PoolLease | undefined } {
  if (engage.kind === 'schema')
    return { db: o.shared.withPlugin(new SchemaRenamePlugin('engage', engage.schema)), lease: undefined };
  const lease = o.pools.acquire(engage.url.reveal());
  return { db: lease.db, lease };
}
