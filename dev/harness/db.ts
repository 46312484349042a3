// Fresh, uniquely named databases in the test stack's PostgreSQL, one per test file or case.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { localPostgresUrl } from '../../config/service';
import { createDb } from '../../db/connect';
import { type MigrationSet, migrateToLatest } from '../../db/migrate';

/** Admin connection for creating test databases: TEST_POSTGRES_ADMIN_URL or the local stack's cluster. */
export const adminUrl = () => process.env.TEST_POSTGRES_ADMIN_URL ?? localPostgresUrl('postgres');

export interface TestDatabase<DB> {
  url: string;
  db: Kysely<DB>;
  drop(): Promise<void>;
}

export async function freshDatabase<DB>(
  prefix: string,
  migrations: MigrationSet[] = [],
): Promise<TestDatabase<DB>> {
  const name = `t_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const db = createDb<DB>({ url: url.toString(), poolSize: 5 });
  for (const set of migrations) await migrateToLatest(db as Kysely<unknown>, set);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
