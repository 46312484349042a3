// A PostgreSQL connection dropping under a checked-out client must fail that query, not the process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { adminUrl, freshDatabase } from '../../dev/harness/db';

test('a checked-out connection terminated by the server errors its query; the pool serves the next one', async () => {
  const t = await freshDatabase('connect');
  try {
    const crashes: unknown[] = [];
    const onCrash = (err: unknown) => crashes.push(err);
    process.on('uncaughtException', onCrash);
    try {
      await t.db.connection().execute(async (conn) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
        const admin = new pg.Client({ connectionString: adminUrl() });
        await admin.connect();
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        await admin.end();
        await sleep(200); // the client learns of it while checked out, between queries
        await assert.rejects(sql`select 1`.execute(conn));
      });
    } finally {
      process.off('uncaughtException', onCrash);
    }
    assert.deepEqual(crashes, []);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(t.db);
    assert.equal(rows[0]!.one, 1);
  } finally {
    await t.drop();
  }
});
