// Which company (tenant) the running activity works for: the run's header (workflows/tenant-interceptors.ts),
// kept for the activity's whole execution. No header: the environment-configured single company.
import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { TENANT_HEADER } from '../domain/workflow-ids';

const scope = new AsyncLocalStorage<string | undefined>();

/** The tenant of the activity running now (undefined: the single, environment-configured company). */
export function currentTenant(): string | undefined {
  return scope.getStore();
}

/** Runs `f` as the given tenant's; for callers outside an activity (tests, tools). */
export function asTenant<T>(tenantId: string | undefined, f: () => T): T {
  return scope.run(tenantId, f);
}

class TenantInbound implements ActivityInboundCallsInterceptor {
  execute: ActivityInboundCallsInterceptor['execute'] = (input, next) => {
    const header = input.headers[TENANT_HEADER];
    const tenantId = header ? defaultPayloadConverter.fromPayload<string>(header) : undefined;
    return scope.run(tenantId, () => next(input));
  };
}

export const tenantActivityInterceptors: ActivityInterceptorsFactory = () => ({
  inbound: new TenantInbound(),
});
