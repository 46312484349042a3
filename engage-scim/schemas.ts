// The attributes this server stores, as published at /Schemas. The same definitions drive name
// canonicalisation (attribute names are case-insensitive) and boolean coercion of incoming bodies.
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ENGAGE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:eptura:engage:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

export type AttrType = 'string' | 'boolean' | 'complex' | 'dateTime' | 'reference' | 'integer';

export interface AttrDef {
  name: string;
  type: AttrType;
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttrDef[];
  description?: string;
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttrDef[];
}

const str = (name: string, extra: Partial<AttrDef> = {}): AttrDef => ({ name, type: 'string', ...extra });

export const userSchema: SchemaDef = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'Engage user',
  attributes: [
    str('userName', {
      required: true,
      uniqueness: 'server',
      description: 'Unique among users that are not deleted, case-insensitively.',
    }),
    {
      name: 'name',
      type: 'complex',
      subAttributes: [
        str('formatted', { mutability: 'readOnly', description: 'givenName and familyName.' }),
        str('givenName'),
        str('familyName'),
      ],
    },
    str('displayName'),
    str('title'),
    str('preferredLanguage', { description: 'ISO 639-1 language, optionally with a region (en, en-GB).' }),
    { name: 'active', type: 'boolean' },
    {
      name: 'emails',
      type: 'complex',
      multiValued: true,
      description: 'Engage keeps one e-mail: the primary one (else the work one, else the first).',
      subAttributes: [
        str('value'),
        str('type', { canonicalValues: ['work', 'home', 'other'] }),
        { name: 'primary', type: 'boolean' },
      ],
    },
    {
      name: 'phoneNumbers',
      type: 'complex',
      multiValued: true,
      description: 'Engage keeps one mobile (mobile, cell, cellular) and one work number.',
      subAttributes: [
        str('value'),
        str('type', { canonicalValues: ['work', 'mobile'] }),
        { name: 'primary', type: 'boolean' },
      ],
    },
  ],
};

export const enterpriseSchema: SchemaDef = {
  id: ENTERPRISE_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [str('employeeNumber'), str('costCenter'), str('department')],
};

/** Engage's documented access levels (migration 0003); admin types need a scope (auth/scopes.ts). */
export const USER_TYPES = [
  'regular',
  'vendor',
  'global_admin',
  'country_admin',
  'location_admin',
  'group_admin',
  'video_admin',
] as const;

export const engageSchema: SchemaDef = {
  id: ENGAGE_SCHEMA,
  name: 'EngageUser',
  description: 'Eptura Engage user settings',
  attributes: [
    str('userType', {
      canonicalValues: [...USER_TYPES],
      description:
        'Defaults to regular (a standard non-admin) on create. Setting or changing an admin type needs the admin_types scope.',
    }),
    { name: 'sso', type: 'boolean', description: 'The user signs in through single sign-on.' },
    {
      name: 'customAttributes',
      type: 'complex',
      multiValued: true,
      description: "Engage's user-defined custom attributes, one name/value pair each.",
      subAttributes: [str('name', { required: true, caseExact: true }), str('value')],
    },
  ],
};

export const groupSchema: SchemaDef = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group of Engage users (no nested groups)',
  attributes: [
    str('displayName', { required: true }),
    {
      name: 'members',
      type: 'complex',
      multiValued: true,
      subAttributes: [
        str('value', { mutability: 'immutable' }),
        { name: '$ref', type: 'reference', referenceTypes: ['User'], mutability: 'immutable' },
        str('display', { mutability: 'readOnly' }),
        str('type', { mutability: 'immutable', canonicalValues: ['User'] }),
      ],
    },
  ],
};

/** A resource type: its core schema and extensions, all as definitions. */
export interface ResourceDef {
  name: 'User' | 'Group';
  endpoint: string;
  core: SchemaDef;
  extensions: SchemaDef[];
}

export const userResource: ResourceDef = {
  name: 'User',
  endpoint: '/Users',
  core: userSchema,
  extensions: [enterpriseSchema, engageSchema],
};
export const groupResource: ResourceDef = {
  name: 'Group',
  endpoint: '/Groups',
  core: groupSchema,
  extensions: [],
};

/** Attributes every resource has (RFC 7643 §3.1), outside any schema's attribute list. */
export const COMMON_ATTRIBUTES: AttrDef[] = [
  str('id', { mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' }),
  str('externalId', { caseExact: true, mutability: 'immutable' }),
  {
    name: 'meta',
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType'),
      { name: 'created', type: 'dateTime' },
      { name: 'lastModified', type: 'dateTime' },
      str('location'),
      str('version'),
    ],
  },
];

export const findAttr = (defs: AttrDef[], name: string): AttrDef | undefined => {
  const lower = name.toLowerCase();
  return defs.find((d) => d.name.toLowerCase() === lower);
};

/** The schema (core or extension) whose URN equals `urn`, case-insensitively. */
export const findSchema = (res: ResourceDef, urn: string): SchemaDef | undefined => {
  const lower = urn.toLowerCase();
  return [res.core, ...res.extensions].find((s) => s.id.toLowerCase() === lower);
};

/** Splits "urn:…:User:attr.sub" into its schema and the rest; plain paths belong to the core schema. */
export function splitUrn(res: ResourceDef, path: string): { schema: SchemaDef; rest: string } | undefined {
  const lower = path.toLowerCase();
  if (!lower.startsWith('urn:')) return { schema: res.core, rest: path };
  // Longest match first: an extension URN starts with no other schema's URN plus ':' here, but be safe.
  const all = [res.core, ...res.extensions].sort((a, b) => b.id.length - a.id.length);
  for (const s of all) {
    const id = s.id.toLowerCase();
    if (lower === id) return { schema: s, rest: '' };
    if (lower.startsWith(`${id}:`)) return { schema: s, rest: path.slice(id.length + 1) };
  }
  return undefined;
}
