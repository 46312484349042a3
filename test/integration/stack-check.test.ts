// The foundation end to end: real Temporal server, real worker, real PostgreSQL. The stack check is
// test support (test/support/stack-check): a test worker registers it, the production worker does not.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { stackCheckActivities } from '../support/stack-check/activity';
import { createStackCheckWorker } from '../support/stack-check/worker';
import { stackCheckWorkflow } from '../support/stack-check/workflow';
import { TEST_NAMESPACE, testEnv, uniqueTaskQueue, workerConnection } from '../support/temporal';

let database: TestDatabase<SyncDatabase>;
before(async () => {
  database = await freshDatabase<SyncDatabase>('stack_check', ['sync']);
});
after(async () => {
  await database.drop();
});

test('stackCheckWorkflow records its run in PostgreSQL and its activity is idempotent', async () => {
  const env = await testEnv();
  const connection = await workerConnection();
  const taskQueue = uniqueTaskQueue('stack-check');
  const worker = await createStackCheckWorker({
    connection,
    namespace: TEST_NAMESPACE,
    taskQueue,
    syncDb: database.db as Kysely<SyncDatabase>,
  });
  try {
    await worker.runUntil(async () => {
      const first = await env.client.workflow.execute(stackCheckWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-a`,
      });
      assert.deepEqual(first, { runsRecorded: 1 });
      const second = await env.client.workflow.execute(stackCheckWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-b`,
      });
      assert.deepEqual(second, { runsRecorded: 2 });
    });
    const rows = await database.db.selectFrom('sync.runs').select(['id', 'status']).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => r.status),
      ['completed', 'completed'],
    );
    // The activity is idempotent: executing it again for a recorded id does not add a row.
    const again = await stackCheckActivities(database.db).recordStackCheck(`${taskQueue}-a`);
    assert.equal(again, 2);
  } finally {
    await connection.close();
    await env.teardown();
  }
});
