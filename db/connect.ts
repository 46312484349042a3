// Kysely over node-postgres. One pool per database URL and process.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

export interface DbOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
}

/** A node-postgres pool with the project's time-outs and error handling (createDb's, tenant pools'). */
export function createPool({
  url,
  poolSize = 10,
  applicationName = 'engage-visitor-sync',
}: DbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: applicationName,
    // Fail fast instead of hanging when the database is down; activities retry.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // A client erroring (e.g. PostgreSQL restarted) must not crash the process: idle ones report on the
  // pool; one checked out (between a query's end and its release) emits on itself, and without a
  // listener that killed the worker (chaos scenario 4). Its query fails and the pool drops it.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDb<DB>(o: DbOptions): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: createPool(o) }) });
}

/** Whether two PostgreSQL URLs name the same database (host, port and name; not the user). */
export function sameDatabase(a: string, b: string): boolean {
  const key = (u: string) => {
    try {
      const x = new URL(u);
      return `${x.hostname.toLowerCase()}:${x.port || '5432'}/${decodeURIComponent(x.pathname.replace(/^\/+/, ''))}`;
    } catch {
      return u;
    }
  };
  return key(a) === key(b);
}
