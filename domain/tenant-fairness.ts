// How a tenant's tasks share the task queues with every other tenant's: Temporal's fairness key is the
// tenant, so one company's backlog (a 100,000-user initial sync keeps up to 64 pages queued) is
// dispatched round-robin with the others' instead of ahead of them. No priority key: priority is
// strict across keys, so a company's flood of per-user runs at a higher priority would stall every
// other company's daily run; within a company, events go ahead of bulk in the Visitor pacer.

/** The task priority of a tenant's workflows and activities (Temporal's Priority message). */
export interface TenantFairness {
  fairnessKey: string;
}

export function tenantFairness(tenantId: string): TenantFairness {
  return { fairnessKey: tenantId };
}
