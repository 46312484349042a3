// How the service's own processes start runs for a company: one user's provisioning (signal-with-start:
// a change to a user already being provisioned joins that run) and a bulk daily run. Used by the
// Engage SCIM API's publisher and the Engage change feed, so both start them alike.
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { tenantFairness } from '../domain/tenant-fairness';
import { provisionUserWorkflowId } from '../workflows/ids';
import { userChangedSignal } from '../workflows/messages';
import { runSummary } from '../workflows/run-details';
import { RUN_KIND, STARTED_BY, TENANT } from '../workflows/search-attributes';

export interface RunStarter {
  client: Client;
  taskQueue: string;
  tenantId?: string | undefined;
  /** Who starts them: `engage-scim`, `engage-feed`. */
  source: string;
}

const tenantOptions = (tenantId: string | undefined) => {
  const attributes: SearchAttributePair[] = tenantId ? [{ key: TENANT, value: tenantId }] : [];
  return { attributes, ...(tenantId ? { priority: tenantFairness(tenantId) } : {}) };
};

/** Starts (or signals) `provision-user-<id>` of the company for a change to that user. */
export async function provisionUserNow(s: RunStarter, userId: number): Promise<void> {
  const t = tenantOptions(s.tenantId);
  await s.client.workflow.signalWithStart('provisionUserWorkflow', {
    workflowId: `${s.tenantId ? `${s.tenantId}.` : ''}${provisionUserWorkflowId(userId)}`,
    taskQueue: s.taskQueue,
    ...(s.tenantId ? { typedSearchAttributes: t.attributes, priority: t.priority } : {}),
    args: [{ engageUserId: userId, startedBy: s.source }],
    staticSummary: runSummary({
      kind: 'user',
      engageUserId: userId,
      tenant: s.tenantId,
      startedBy: s.source,
    }),
    signal: userChangedSignal,
    signalArgs: [{ source: s.source }],
  });
}

/** Starts a daily run under `baseId` (tenant-prefixed); one already running under it is left as it is. */
export async function startDailyRun(s: RunStarter, baseId: string, reason: string): Promise<void> {
  const t = tenantOptions(s.tenantId);
  try {
    await s.client.workflow.start('syncRunWorkflow', {
      workflowId: `${s.tenantId ? `${s.tenantId}.` : ''}${baseId}`,
      taskQueue: s.taskQueue,
      args: [{ kind: 'daily', startedBy: s.source }],
      staticSummary: runSummary({ kind: 'daily', tenant: s.tenantId, startedBy: `${s.source} (${reason})` }),
      typedSearchAttributes: [
        { key: RUN_KIND, value: 'daily' },
        { key: STARTED_BY, value: s.source },
        ...t.attributes,
      ],
      ...(t.priority ? { priority: t.priority } : {}),
    });
  } catch (err) {
    if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
  }
}
