// Carries a run's company (tenant) to everything it starts: its activities get it in a header (the
// worker resolves that tenant's Engage source, Visitor and state from it: activities/tenant-scope.ts),
// its children get the EvsTenant search attribute the run started with, and so does a continued
// execution that sets search attributes of its own (otherwise the server carries the run's over).
// Its activities and children also get the tenant as their fairness key (domain/tenant-fairness.ts),
// whoever started the run and whatever priority it started with. A run without EvsTenant is the
// environment-configured single company's, and nothing is added.
import { defaultPayloadConverter, type SearchAttributePair } from '@temporalio/common';
import {
  type ContinueAsNewInput,
  type Next,
  patched,
  type StartChildWorkflowExecutionInput,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@temporalio/workflow';
import { tenantFairness } from '../domain/tenant-fairness';
import { TENANT_HEADER } from '../domain/workflow-ids';
import { TENANT } from './search-attributes';

function tenant(): string | undefined {
  return workflowInfo().typedSearchAttributes.get(TENANT);
}

function withTenantHeader<H extends Record<string, unknown>>(headers: H): H {
  const t = tenant();
  return t === undefined ? headers : { ...headers, [TENANT_HEADER]: defaultPayloadConverter.toPayload(t) };
}

/** The options' search attributes with EvsTenant set to this run's tenant. */
function withTenantAttribute<O extends { typedSearchAttributes?: unknown }>(options: O, t: string): O {
  const given = options.typedSearchAttributes;
  const pairs: SearchAttributePair[] = Array.isArray(given)
    ? (given as SearchAttributePair[])
    : given && typeof given === 'object' && 'getAll' in given
      ? (given as { getAll(): SearchAttributePair[] }).getAll()
      : [];
  return {
    ...options,
    typedSearchAttributes: [...pairs.filter((p) => p.key.name !== TENANT.name), { key: TENANT, value: t }],
  };
}

/**
 * The options with the tenant's fairness key, unless they name one. Guarded: a tenant's run started
 * before it replays its activities and children as they were scheduled.
 */
function withFairness<O extends { priority?: { fairnessKey?: string } }>(options: O, t: string): O {
  if (options.priority?.fairnessKey || !patched('tenant-fairness-key')) return options;
  return { ...options, priority: { ...options.priority, ...tenantFairness(t) } };
}

const outbound: WorkflowOutboundCallsInterceptor = {
  scheduleActivity: (input, next) => {
    const t = tenant();
    return next({
      ...input,
      headers: withTenantHeader(input.headers),
      ...(t === undefined ? {} : { options: withFairness(input.options, t) }),
    });
  },
  scheduleLocalActivity: (input, next) => next({ ...input, headers: withTenantHeader(input.headers) }),
  startChildWorkflowExecution: (
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) => {
    const t = tenant();
    return next(
      t === undefined ? input : { ...input, options: withFairness(withTenantAttribute(input.options, t), t) },
    );
  },
  continueAsNew: (
    input: ContinueAsNewInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ) => {
    const t = tenant();
    // Without search attributes of its own the continued run keeps the run's (the server carries them
    // over, EvsTenant included; copying them here would resend the server's reserved ones); given
    // ones replace them, so EvsTenant is added.
    if (t === undefined || !input.options.typedSearchAttributes) return next(input);
    return next({ ...input, options: withTenantAttribute(input.options, t) });
  },
};

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [outbound] });
