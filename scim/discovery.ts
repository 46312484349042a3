/**
 * /ServiceProviderConfig as far as the client uses it. wire.ts does not describe discovery
 * documents, so the (tolerant) read schema lives here.
 */
import { z } from 'zod';
import { BooleanLike } from './wire';

const Supported = z.looseObject({ supported: BooleanLike });

export const ServiceProviderConfigSchema = z.looseObject({
  schemas: z.array(z.string()),
  patch: Supported,
  bulk: Supported.optional(),
  filter: z.looseObject({ supported: BooleanLike, maxResults: z.number().int().positive().optional() }),
  changePassword: Supported.optional(),
  sort: Supported.optional(),
  etag: Supported,
  authenticationSchemes: z.array(z.looseObject({ type: z.string() })).optional(),
});

export type ServiceProviderConfig = z.infer<typeof ServiceProviderConfigSchema>;
