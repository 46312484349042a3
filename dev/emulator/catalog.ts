/**
 * Attribute catalogues of the two resource types. One description drives filter resolution,
 * PATCH path resolution and the /Schemas discovery document.
 */
import { URN_CORE_SCIM1, URN_CORE_USER, URN_VISITOR_LOCATION, URN_VISITOR_USER } from '../../scim/wire';

export type AttrType = 'string' | 'boolean' | 'dateTime' | 'complex' | 'reference';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

export interface AttrDef {
  name: string;
  type: AttrType;
  multiValued?: boolean;
  caseExact?: boolean;
  required?: boolean;
  mutability?: Mutability;
  /** RFC 7643 `returned`; default: `always` for id, `never` for writeOnly, else `default`. */
  returned?: 'always' | 'never' | 'default' | 'request';
  /** Only accepted on create (our `sendInvitation`); PATCH refuses it, PUT ignores it. */
  createOnly?: boolean;
  /** RFC 7643 `canonicalValues`: the values Visitor accepts (strict clients generate data from them). */
  canonicalValues?: string[];
  /** Sub-attribute that identifies an element of a multi-valued complex attribute on `add`. */
  mergeKey?: string;
  /** Sub-attribute compared when a filter names the multi-valued attribute itself. */
  primaryValue?: string;
  description: string;
  subAttributes?: AttrDef[];
}

export interface SchemaDef {
  urn: string;
  name: string;
  description: string;
  attributes: AttrDef[];
}

export interface ResourceCatalog {
  name: string;
  endpoint: string;
  core: SchemaDef;
  /** Other URNs accepted as the core schema in paths and `schemas` (SCIM 1.x). */
  coreAliases: string[];
  extensions: SchemaDef[];
}

/** An attribute located in a catalogue: `schema` is undefined for the core schema. */
export interface ResolvedAttr {
  schema: string | undefined;
  def: AttrDef;
}

const meta: AttrDef = {
  name: 'meta',
  type: 'complex',
  mutability: 'readOnly',
  description: 'Resource metadata.',
  subAttributes: [
    { name: 'resourceType', type: 'string', caseExact: true, mutability: 'readOnly', description: 'Type.' },
    { name: 'created', type: 'dateTime', mutability: 'readOnly', description: 'Creation time.' },
    { name: 'lastModified', type: 'dateTime', mutability: 'readOnly', description: 'Last change.' },
    { name: 'version', type: 'string', caseExact: true, mutability: 'readOnly', description: 'Weak ETag.' },
    { name: 'location', type: 'reference', caseExact: true, mutability: 'readOnly', description: 'URI.' },
  ],
};
const id: AttrDef = {
  name: 'id',
  type: 'string',
  caseExact: true,
  mutability: 'readOnly',
  description: 'Server-assigned id.',
};
const externalId: AttrDef = {
  name: 'externalId',
  type: 'string',
  caseExact: true,
  description: "The source system's id; unique when present.",
};

export const userCatalog: ResourceCatalog = {
  name: 'User',
  endpoint: '/Users',
  coreAliases: [URN_CORE_SCIM1],
  core: {
    urn: URN_CORE_USER,
    name: 'User',
    description: 'Eptura Visitor user (host).',
    attributes: [
      id,
      externalId,
      {
        name: 'userName',
        type: 'string',
        required: true,
        description: 'Equals the primary work e-mail; unique, case-insensitive.',
      },
      {
        name: 'name',
        type: 'complex',
        required: true,
        description: 'Name.',
        subAttributes: [
          { name: 'givenName', type: 'string', required: true, description: 'Given name.' },
          { name: 'familyName', type: 'string', required: true, description: 'Family name.' },
          { name: 'formatted', type: 'string', description: 'Full name.' },
        ],
      },
      {
        name: 'emails',
        type: 'complex',
        multiValued: true,
        required: true,
        mergeKey: 'value',
        primaryValue: 'value',
        description: 'E-mail addresses; one of type work is required.',
        subAttributes: [
          { name: 'value', type: 'string', required: true, description: 'Address.' },
          {
            name: 'type',
            type: 'string',
            canonicalValues: ['work', 'home', 'other'],
            description: 'work, home or other.',
          },
          { name: 'primary', type: 'boolean', description: 'Primary address.' },
        ],
      },
      {
        name: 'phoneNumbers',
        type: 'complex',
        multiValued: true,
        mergeKey: 'value',
        primaryValue: 'value',
        description: 'E.164 phone numbers.',
        subAttributes: [
          { name: 'value', type: 'string', required: true, description: 'E.164 number.' },
          {
            name: 'type',
            type: 'string',
            required: true,
            canonicalValues: ['mobile', 'work'],
            description: 'mobile or work.',
          },
        ],
      },
      { name: 'title', type: 'string', description: 'Job title.' },
      { name: 'preferredLanguage', type: 'string', description: 'Language, e.g. en.' },
      { name: 'active', type: 'boolean', description: 'Whether the user may sign in.' },
      meta,
    ],
  },
  extensions: [
    {
      urn: URN_VISITOR_USER,
      name: 'VisitorUser',
      description: 'Eptura Visitor locations, access and invitation.',
      attributes: [
        {
          name: 'defaultLocationId',
          type: 'string',
          caseExact: true,
          description: 'Home location id; defaults to the default location.',
        },
        {
          name: 'locationAccess',
          type: 'complex',
          multiValued: true,
          mergeKey: 'locationId',
          primaryValue: 'locationId',
          description: 'Access per location; at most one entry per location.',
          subAttributes: [
            {
              name: 'locationId',
              type: 'string',
              caseExact: true,
              required: true,
              description: 'Location id.',
            },
            {
              name: 'role',
              type: 'string',
              required: true,
              canonicalValues: ['admin', 'regular'],
              description: 'admin or regular.',
            },
          ],
        },
        { name: 'sso', type: 'boolean', description: 'Signs in through SSO.' },
        {
          name: 'invitation',
          type: 'complex',
          mutability: 'readOnly',
          description: 'Invitation e-mail state.',
          subAttributes: [
            { name: 'status', type: 'string', mutability: 'readOnly', description: 'held or sent.' },
            { name: 'sentAt', type: 'dateTime', mutability: 'readOnly', description: 'When sent.' },
          ],
        },
        {
          // RFC 7643 `immutable`: set when the resource is created, never updated (PATCH refuses it).
          name: 'sendInvitation',
          type: 'boolean',
          mutability: 'immutable',
          returned: 'never',
          createOnly: true,
          description: 'On create: true sends the invitation now, false/absent holds it.',
        },
      ],
    },
  ],
};

export const locationCatalog: ResourceCatalog = {
  name: 'Location',
  endpoint: '/Locations',
  coreAliases: [],
  core: {
    urn: URN_VISITOR_LOCATION,
    name: 'Location',
    description: 'Eptura Visitor location.',
    attributes: [
      id,
      externalId,
      {
        name: 'companyId',
        type: 'string',
        caseExact: true,
        mutability: 'readOnly',
        description: "Visitor's company id.",
      },
      {
        name: 'locationId',
        type: 'string',
        caseExact: true,
        mutability: 'readOnly',
        description: "Visitor's location id.",
      },
      { name: 'name', type: 'string', required: true, description: 'Display name.' },
      {
        name: 'address',
        type: 'complex',
        description: 'Postal address.',
        subAttributes: ['streetAddress', 'locality', 'postalCode', 'region', 'country'].map((name) => ({
          name,
          type: 'string' as const,
          description: name,
        })),
      },
      { name: 'timeZone', type: 'string', caseExact: true, description: 'IANA time zone.' },
      {
        name: 'isDefault',
        type: 'boolean',
        mutability: 'readOnly',
        description: 'The primary location (where the SCIM integration is installed).',
      },
      meta,
    ],
  },
  extensions: [],
};

const lower = (s: string) => s.toLowerCase();

function findAttr(defs: AttrDef[], name: string): AttrDef | undefined {
  const wanted = lower(name);
  return defs.find((d) => lower(d.name) === wanted);
}

export function findSubAttr(def: AttrDef, name: string): AttrDef | undefined {
  return def.subAttributes ? findAttr(def.subAttributes, name) : undefined;
}

/**
 * Splits a (possibly URN-qualified) attribute path such as
 * `urn:…:eptura:visitor:2.0:User:locationAccess.role` into its schema and the dotted rest.
 * `rest` is empty when the path is the extension URN itself.
 */
export function splitSchemaPrefix(
  catalog: ResourceCatalog,
  path: string,
): { schema: string | undefined; rest: string } | undefined {
  const lowered = lower(path);
  if (!lowered.startsWith('urn:')) return { schema: undefined, rest: path };
  for (const ext of catalog.extensions) {
    const urn = lower(ext.urn);
    if (lowered === urn) return { schema: ext.urn, rest: '' };
    if (lowered.startsWith(`${urn}:`)) return { schema: ext.urn, rest: path.slice(urn.length + 1) };
  }
  for (const urn of [catalog.core.urn, ...catalog.coreAliases]) {
    const l = lower(urn);
    if (lowered.startsWith(`${l}:`)) return { schema: undefined, rest: path.slice(l.length + 1) };
  }
  return undefined;
}

/** Resolves a top-level attribute name (case-insensitive) in a schema of the catalogue. */
export function resolveTopAttr(
  catalog: ResourceCatalog,
  schema: string | undefined,
  name: string,
): ResolvedAttr | undefined {
  if (schema !== undefined) {
    const ext = catalog.extensions.find((e) => e.urn === schema);
    const def = ext ? findAttr(ext.attributes, name) : undefined;
    return def ? { schema, def } : undefined;
  }
  const core = findAttr(catalog.core.attributes, name);
  if (core) return { schema: undefined, def: core };
  // Extension attributes are also accepted unqualified: their names do not clash with core ones.
  for (const ext of catalog.extensions) {
    const def = findAttr(ext.attributes, name);
    if (def) return { schema: ext.urn, def };
  }
  return undefined;
}
