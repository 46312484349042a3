// Records a tenant's run (issue 17): EvsTenant on the run, the tenant header on its activities, the
// tenant's fairness key on its activities and children, a delayed-invitations child and a continue
// as new. Run alone with `npx tsx test/replay/record-tenant-run.ts [name]` (needs the stack);
// record-histories.ts runs it too. A version recorded before a change of the tenant interceptors is
// kept as `<name>.vN.*` so its guarded path stays covered.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret } from '../../config/secret';
import { parseSecretKeys } from '../../config/service';
import type { EngageDatabase } from '../../db/engage-schema';
import { startVisitorEmulator } from '../../dev/emulator/server';
import { freshDatabase } from '../../dev/harness/db';
import { SecretBox } from '../../state/secret-box';
import { TenantRegistry } from '../../state/tenants';
import { RUN_KIND, STARTED_BY, TENANT } from '../../workflows/search-attributes';
import type { SyncRunInput, SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { executionChain } from './execution-chain';
import { writeHistory } from './save-history';

export async function recordTenantRun(name = 'sync-run-tenant'): Promise<void> {
  const keys = `k1:${randomBytes(32).toString('base64')}`;
  const h = await SyncHarness.create('record_tenant', { env: { TENANT_SECRETS_KEYS: keys } });
  const engage = await freshDatabase<EngageDatabase>('record_tenant_engage', ['engage']);
  const emulator = await startVisitorEmulator({ token: 'token-acme' });
  try {
    await addLocations(engage.db, ['Acme HQ']);
    await addUsers(
      engage.db,
      Array.from({ length: 7 }, (_, i) => ({ username: `u${i}@acme.example` })),
    );
    await new TenantRegistry(h.sync.db, { box: new SecretBox(parseSecretKeys(keys)) }).add({
      id: 'acme',
      displayName: 'Acme',
      engage: { kind: 'database', url: new Secret(engage.url) },
      visitor: { url: emulator.baseUrl, token: new Secret('token-acme') },
      options: { invitations: { mode: 'delay', delayMs: 3_600_000 } },
    });
    await h.startWorker();
    const chainId = `acme.replay-initial-${Date.now().toString(36)}`;
    const handle = await h.client.workflow.start('syncRunWorkflow', {
      taskQueue: h.taskQueue,
      workflowId: chainId,
      args: [
        { kind: 'initial', startedBy: 'recorder', pageSize: 2, historyBudget: 20 } satisfies SyncRunInput,
      ],
      typedSearchAttributes: [
        { key: RUN_KIND, value: 'initial' },
        { key: STARTED_BY, value: 'recorder' },
        { key: TENANT, value: 'acme' },
      ],
    });
    const result = (await handle.result()) as SyncRunResult;
    if (result.status !== 'completed') throw new Error(`the run ended ${result.status}: ${result.reason}`);
    const chain = executionChain(chainId, handle.firstExecutionRunId);
    if (chain.length < 2) throw new Error(`the run did not continue as new (${chain.length} execution)`);
    chain.forEach((history, i) => {
      writeHistory(`${name}.${i === 0 ? 'first' : `continued-${i}`}`, chainId, history);
    });
  } finally {
    await h.close();
    await emulator.close();
    await engage.drop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordTenantRun(process.argv[2]);
}
