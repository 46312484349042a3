// The companies the page can show: the configured one (the deployment's own `sync` schema) and every
// tenant of the registry whose state is still there. Every query runs on the chosen company's tables.
import { sql } from 'kysely';
import type { Db } from '../clients/runs';
import { TenantRuleError } from '../state/tenant-rules';
import { tenantStateSchema, tenantSyncDb } from '../state/tenant-state';
import { TenantRegistry } from '../state/tenants';
import { HttpError } from './http-error';

export interface Company {
  /** '' for the configured company, else the tenant id. */
  id: string;
  name: string;
  state: string;
}

export const CONFIGURED: Company = { id: '', name: 'Configured company', state: 'active' };

export async function listCompanies(db: Db): Promise<Company[]> {
  const tenants = await new TenantRegistry(db).list();
  return [CONFIGURED, ...tenants.map((t) => ({ id: t.id, name: t.displayName, state: t.state }))];
}

/** The database as the company `id` sees it; a malformed id is a 400, an unknown one a 404. */
export async function companyDb(db: Db, id: string | undefined): Promise<Db> {
  if (id === undefined || id === '') return db;
  let schema: string;
  try {
    schema = tenantStateSchema(id);
  } catch (err) {
    if (err instanceof TenantRuleError) throw new HttpError(400, `company: ${err.message}`);
    throw err;
  }
  if (!(await new TenantRegistry(db).get(id)))
    throw new HttpError(404, `company: no tenant "${id}" in the registry`);
  // An offboarded tenant's state is dropped after its grace period; the page never creates it (read-only).
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_namespace where nspname = ${schema}`.execute(db);
  if (rows[0]?.n !== 1) throw new HttpError(404, `company: tenant "${id}" has no sync state (purged)`);
  return tenantSyncDb(db, id);
}
