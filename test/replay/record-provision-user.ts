// Records provision-user.json: one user's provisioning over the real product (a change signal
// coalesced into the run). Needs the stack (`npm run stack:up`); run alone with
// `npx tsx test/replay/record-provision-user.ts`. It writes only this file; record-histories.ts runs it too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { showHistory, writeHistory } from './save-history';

export async function recordProvisionUser(): Promise<void> {
  const h = await SyncHarness.create('record_user', { env: { SYNC_INVITATIONS: 'send' } });
  try {
    await addLocations(h.engage.db, ['Amsterdam']);
    const [id] = await addUsers(h.engage.db, [{}]);
    await h.startWorker();
    const workflowId = `replay-provision-user-${Date.now().toString(36)}`;
    const user = await h.client.workflow.signalWithStart('provisionUserWorkflow', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ engageUserId: id!, startedBy: 'recorder' }],
      signal: 'userChanged',
      signalArgs: [{ source: 'recorder' }],
    });
    await user.result();
    writeHistory('provision-user', workflowId, showHistory(workflowId));
  } finally {
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordProvisionUser();
}
