/** Builds the Visitor client from the validated service configuration (config/service.ts). */
import type { ServiceConfig } from '../config/service';
import type { VisitorScimClientOptions } from './client';
import { VisitorScimClient } from './client';

export function visitorClientFromConfig(
  visitor: ServiceConfig['visitor'],
  extra: Omit<Partial<VisitorScimClientOptions>, 'baseUrl' | 'token'> = {},
): VisitorScimClient {
  return new VisitorScimClient({
    baseUrl: visitor.url,
    token: visitor.token,
    timeoutMs: visitor.timeoutMs,
    concurrency: visitor.concurrency,
    ...extra,
  });
}
