// What a tenant's state change does in Temporal: pause and resume its schedule; on remove, delete the
// schedule and stop (cancel) its running workflows. Each step is idempotent, so a command that failed
// half-way is simply typed again.
import type { Client } from '@temporalio/client';
import type { Tenant } from '../../state/tenants';
import {
  deleteSchedule,
  describeSchedule,
  pauseSchedule,
  resumeSchedule,
  scheduleId,
  tenantScheduleOpts,
} from '../../temporal/schedule';
import { TENANT } from '../../workflows/search-attributes';

const idOf = (t: Tenant) => scheduleId(tenantScheduleOpts(t));

/** Pauses or resumes the tenant's schedule; 'none' when it has none. */
export async function setTenantSchedulePaused(
  client: Client,
  t: Tenant,
  paused: boolean,
  note: string,
): Promise<'paused' | 'resumed' | 'none'> {
  const d = await describeSchedule(client, idOf(t));
  if (!d) return 'none';
  if (d.state.paused !== paused) await (paused ? pauseSchedule : resumeSchedule)(client, idOf(t), note);
  return paused ? 'paused' : 'resumed';
}

/** Deletes the tenant's schedule and asks every running workflow of the tenant to stop. */
export async function stopTenant(
  client: Client,
  t: Tenant,
): Promise<{ schedule: 'deleted' | 'none'; cancelled: string[] }> {
  const d = await describeSchedule(client, idOf(t));
  if (d) await deleteSchedule(client, idOf(t));
  const cancelled: string[] = [];
  const query = `${TENANT.name} = "${t.id}" AND ExecutionStatus = "Running"`;
  for await (const wf of client.workflow.list({ query })) {
    await client.workflow.getHandle(wf.workflowId, wf.runId).cancel();
    cancelled.push(wf.workflowId);
  }
  return { schedule: d ? 'deleted' : 'none', cancelled };
}
