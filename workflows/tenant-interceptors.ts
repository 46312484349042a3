// Carries a run's company (tenant) to everything it starts: its activities get it in a header (the
// worker resolves that tenant's Engage source, Visitor and state from it: activities/tenant-scope.ts),
// its children get the EvsTenant search attribute the run started with, and so does a continued
// execution that sets search attributes of its own (otherwise the server carries the run's over).
// A run without EvsTenant is the environment-configured single company's, and nothing is added.
import { defaultPayloadConverter, type SearchAttributePair } from '@temporalio/common';
import {
  type ContinueAsNewInput,
  type Next,
  type StartChildWorkflowExecutionInput,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@temporalio/workflow';
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

const outbound: WorkflowOutboundCallsInterceptor = {
  scheduleActivity: (input, next) => next({ ...input, headers: withTenantHeader(input.headers) }),
  scheduleLocalActivity: (input, next) => next({ ...input, headers: withTenantHeader(input.headers) }),
  startChildWorkflowExecution: (
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) => {
    const t = tenant();
    return next(t === undefined ? input : { ...input, options: withTenantAttribute(input.options, t) });
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
