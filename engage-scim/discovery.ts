// /ServiceProviderConfig, /Schemas and /ResourceTypes (RFC 7643 §5–7), built from the same schema
// definitions the server parses bodies with.
import type { Obj } from './resource-json';
import {
  type AttrDef,
  engageSchema,
  enterpriseSchema,
  groupResource,
  groupSchema,
  type ResourceDef,
  type SchemaDef,
  userResource,
  userSchema,
} from './schemas';

const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RT = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(baseUrl: string, maxResults: number, maxBodyBytes: number): Obj {
  return {
    schemas: [SPC],
    documentationUri: 'https://github.com/engage-visitor-sync/docs/engage-scim-api.md',
    patch: { supported: true },
    bulk: { supported: true, maxOperations: 1000, maxPayloadSize: maxBodyBytes },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'A token from POST /scim/api/V1/token (scimClientId, scimClientSecret, grantType=password).',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

function attr(d: AttrDef): Obj {
  return {
    name: d.name,
    type: d.type,
    multiValued: d.multiValued ?? false,
    description: d.description ?? d.name,
    required: d.required ?? false,
    caseExact: d.caseExact ?? false,
    mutability: d.mutability ?? 'readWrite',
    returned: d.returned ?? 'default',
    uniqueness: d.uniqueness ?? 'none',
    ...(d.canonicalValues ? { canonicalValues: d.canonicalValues } : {}),
    ...(d.referenceTypes ? { referenceTypes: d.referenceTypes } : {}),
    ...(d.subAttributes ? { subAttributes: d.subAttributes.map(attr) } : {}),
  };
}

export const ALL_SCHEMAS: SchemaDef[] = [userSchema, enterpriseSchema, engageSchema, groupSchema];

export function schemaResource(s: SchemaDef, baseUrl: string): Obj {
  return {
    schemas: [SCHEMA],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(attr),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` },
  };
}

export function resourceType(r: ResourceDef, baseUrl: string): Obj {
  return {
    schemas: [RT],
    id: r.name,
    name: r.name,
    endpoint: r.endpoint,
    description: r.core.description,
    schema: r.core.id,
    schemaExtensions: r.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${r.name}` },
  };
}

export const RESOURCES: ResourceDef[] = [userResource, groupResource];
