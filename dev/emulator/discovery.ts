/** /ServiceProviderConfig, /ResourceTypes and /Schemas, generated from the catalogues. */
import {
  URN_LIST_RESPONSE,
  URN_RESOURCE_TYPE,
  URN_SCHEMA,
  URN_SERVICE_PROVIDER_CONFIG,
} from '../../scim/wire';
import type { AttrDef, ResourceCatalog, SchemaDef } from './catalog';
import { locationCatalog, userCatalog } from './catalog';
import type { ScimHandler } from './context';
import { notFound } from './errors';

const catalogs = [userCatalog, locationCatalog];

function attributeJson(def: AttrDef): Record<string, unknown> {
  return {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued ?? false,
    description: def.description,
    required: def.required ?? false,
    caseExact: def.caseExact ?? false,
    mutability: def.mutability ?? 'readWrite',
    returned:
      def.returned ?? (def.mutability === 'writeOnly' ? 'never' : def.name === 'id' ? 'always' : 'default'),
    uniqueness: def.name === 'userName' ? 'server' : def.name === 'id' ? 'global' : 'none',
    ...(def.type === 'reference' ? { referenceTypes: ['uri'] } : {}),
    ...(def.canonicalValues ? { canonicalValues: def.canonicalValues } : {}),
    ...(def.subAttributes ? { subAttributes: def.subAttributes.map(attributeJson) } : {}),
  };
}

function schemaJson(schema: SchemaDef, baseUrl: string) {
  return {
    schemas: [URN_SCHEMA],
    id: schema.urn,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.filter((a) => a.name !== 'id' && a.name !== 'meta').map(attributeJson),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.urn}` },
  };
}

function resourceTypeJson(catalog: ResourceCatalog, baseUrl: string) {
  return {
    schemas: [URN_RESOURCE_TYPE],
    id: catalog.name,
    name: catalog.name,
    endpoint: catalog.endpoint,
    description: catalog.core.description,
    schema: catalog.core.urn,
    // A create may omit the extension (defaults apply), so it is not required (RFC 7643 §6).
    schemaExtensions: catalog.extensions.map((e) => ({ schema: e.urn, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${catalog.name}` },
  };
}

const allSchemas = () => catalogs.flatMap((c) => [c.core, ...c.extensions]);

const listOf = (resources: unknown[]) => ({
  schemas: [URN_LIST_RESPONSE],
  totalResults: resources.length,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources,
});

const serviceProviderConfig: ScimHandler = (ctx) => ({
  status: 200,
  body: {
    schemas: [URN_SERVICE_PROVIDER_CONFIG],
    // Absolute (RFC 7643 §5): strict clients refuse a relative reference.
    documentationUri: ctx.documentationUri,
    patch: { supported: ctx.patchSupported },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: ctx.maxPageSize },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Bearer token issued when the SCIM integration is installed in the primary location.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${ctx.baseUrl}/ServiceProviderConfig` },
  },
});

const resourceTypes: ScimHandler = (ctx) => ({
  status: 200,
  body: listOf(catalogs.map((c) => resourceTypeJson(c, ctx.baseUrl))),
});

const resourceType: ScimHandler = (ctx) => {
  const catalog = catalogs.find((c) => c.name === ctx.params.name);
  if (!catalog) throw notFound(`ResourceType ${ctx.params.name} not found`);
  return { status: 200, body: resourceTypeJson(catalog, ctx.baseUrl) };
};

const schemas: ScimHandler = (ctx) => ({
  status: 200,
  body: listOf(allSchemas().map((s) => schemaJson(s, ctx.baseUrl))),
});

const schema: ScimHandler = (ctx) => {
  const found = allSchemas().find((s) => s.urn === ctx.params.id);
  if (!found) throw notFound(`Schema ${ctx.params.id} not found`);
  return { status: 200, body: schemaJson(found, ctx.baseUrl) };
};

export const discoveryRoutes: [string, string, ScimHandler][] = [
  ['GET', '/ServiceProviderConfig', serviceProviderConfig],
  ['GET', '/ResourceTypes', resourceTypes],
  ['GET', '/ResourceTypes/{name}', resourceType],
  ['GET', '/Schemas', schemas],
  ['GET', '/Schemas/{id}', schema],
];
