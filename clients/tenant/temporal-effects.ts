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
} from '../../temporal/schedule';
import { TENANT } from '../../workflows/search-attributes';

const idOf = (t: Tenant) => scheduleId({ tenant: { id: t.id, schedule: t.schedule } });

/** 'paused', or 'none' when the tenant has no schedule. */
export async function pauseTenantSchedule(
  client: Client,
  t: Tenant,
  note: string,
): Promise<'paused' | 'none'> {
  const d = await describeSchedule(client, idOf(t));
  if (!d) return 'none';
  if (!d.state.paused) await pauseSchedule(client, idOf(t), note);
  return 'paused';
}

export async function resumeTenantSchedule(
  client: Client,
  t: Tenant,
  note: string,
): Promise<'resumed' | 'none'> {
  const d = await describeSchedule(client, idOf(t));
  if (!d) return 'none';
  if (d.state.paused) await resumeSchedule(client, idOf(t), note);
  return 'resumed';
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
