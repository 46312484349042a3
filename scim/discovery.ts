/**
 * /ServiceProviderConfig as far as the client uses it, and what the client makes of it. wire.ts does
 * not describe discovery documents, so the (tolerant) read schema lives here: Visitor's public
 * material documents only /Users, so every part of the document may be missing.
 */
import { z } from 'zod';
import { BooleanLike } from './wire';

const Supported = z.looseObject({ supported: BooleanLike });

export const ServiceProviderConfigSchema = z.looseObject({
  schemas: z.array(z.string()).optional(),
  patch: Supported.optional(),
  bulk: Supported.optional(),
  filter: z
    .looseObject({ supported: BooleanLike.optional(), maxResults: z.number().int().positive().optional() })
    .optional(),
  changePassword: Supported.optional(),
  sort: Supported.optional(),
  etag: Supported.optional(),
  authenticationSchemes: z.array(z.looseObject({ type: z.string() })).optional(),
});

export type ServiceProviderConfig = z.infer<typeof ServiceProviderConfigSchema>;

/** RFC 7644 §4; SCIM 1.1 named it in the plural, and a 1.x target may still publish only that one. */
export const SERVICE_PROVIDER_CONFIG_PATHS = ['/ServiceProviderConfig', '/ServiceProviderConfigs'] as const;

/** What the client adapts to. */
export interface TargetCapabilities {
  /** PATCH allowed; otherwise an update is a read-modify-write PUT of the whole resource. */
  patch: boolean;
  /** The PUT of a read-modify-write carries `If-Match` with the version it read. */
  etag: boolean;
  /** The largest page the target returns (filter.maxResults); listings never ask for more. */
  maxResults: number | undefined;
}

/**
 * A target without a (readable) configuration is patched, as before discovery was read — a 501 or
 * 405 to a PATCH still switches the client to PUT — and gets no If-Match it may not understand.
 */
export function capabilitiesOf(config: ServiceProviderConfig | undefined): TargetCapabilities {
  return {
    patch: config?.patch?.supported ?? true,
    etag: config?.etag?.supported ?? false,
    maxResults: config?.filter?.maxResults,
  };
}
