// Records a syncRunWorkflow whose planning step fails with a ConfigError (the Engage users table is
// missing): the 'planning-failure-finishes' branch, which ends the run as failed with its reason.
// Run alone with `npx tsx test/replay/record-planning-failure.ts` (needs the stack); it writes only
// `sync-run-planning-failure.json`. record-histories.ts runs it too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { addLocations } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { showHistory, writeHistory } from './save-history';

export async function recordPlanningFailure(): Promise<void> {
  const h = await SyncHarness.create('record_plan_fail');
  try {
    await addLocations(h.engage.db, ['Amsterdam']);
    await sql`DROP TABLE engage.users CASCADE`.execute(h.engage.db);
    await h.startWorker();
    const workflowId = `replay-planning-failure-${Date.now().toString(36)}`;
    const handle = await h.startSync(
      { kind: 'initial', startedBy: 'recorder', invitations: { mode: 'disabled' } },
      workflowId,
    );
    const result = (await handle.result()) as { status: string };
    if (result.status !== 'failed') throw new Error(`expected a failed run, got ${result.status}`);
    writeHistory('sync-run-planning-failure', workflowId, showHistory(workflowId));
  } finally {
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordPlanningFailure();
}
