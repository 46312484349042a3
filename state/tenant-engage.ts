// A tenant's Engage source opened: its own database through the worker's bounded pools, or its schema
// of the shared Engage database through the rename plugin. Used by the worker, the Engage SCIM API
// and its CLI.
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import { SchemaRenamePlugin } from '../db/schema-rename-plugin';
import type { TenantConnection } from './tenants';

export function openTenantEngage(
  engage: TenantConnection['engage'],
  o: { shared: Kysely<EngageDatabase>; pools: { db(url: string): Kysely<EngageDatabase> } },
): Kysely<EngageDatabase> {
  if (engage.kind === 'schema') return o.shared.withPlugin(new SchemaRenamePlugin('engage', engage.schema));
  return o.pools.db(engage.url.reveal());
}
