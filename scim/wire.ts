/**
 * The Eptura Visitor SCIM 2.0 wire format, described once with zod.
 *
 * Three flavours of the same shapes:
 * - read schemas (`*Schema`) parse what a server answers: tolerant — boolean strings such as
 *   "True"/"false" become booleans and unknown attributes are passed through;
 * - request schemas (`*RequestSchema`) describe exactly what a client may send: strict objects,
 *   real booleans, Visitor's limits (255 chars, E.164 phones) — parse before sending;
 * - inbound schemas (`*InboundSchema`) are what a tolerant server accepts: request limits, but
 *   boolean strings coerced and unknown attributes dropped (Okta sends `password`, `groups`).
 *
 * The contract is documented in docs/visitor-scim-api.md.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// URNs and paths

export const VISITOR_SCIM_BASE_PATH = '/scim/v1';

export const URN_CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** Visitor's own samples still declare the SCIM 1.x URN; servers accept it like 2.0. */
export const URN_CORE_SCIM1 = 'urn:scim:schemas:core:1.0';
export const URN_LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const URN_PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const URN_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const URN_SERVICE_PROVIDER_CONFIG = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const URN_RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const URN_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
/** Our choice (Visitor publishes none): under `urn:ietf:params:scim:schemas:` so strict tools accept it. */
export const URN_VISITOR_USER = 'urn:ietf:params:scim:schemas:extension:eptura:visitor:2.0:User';
export const URN_VISITOR_LOCATION = 'urn:ietf:params:scim:schemas:eptura:visitor:2.0:Location';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

// ---------------------------------------------------------------------------------------------
// Field-level building blocks (exported so servers and clients apply the same limits)

/** Visitor refuses strings longer than 255 characters. */
export const MAX_STRING_LENGTH = 255;
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

export const ScimText = z.string().max(MAX_STRING_LENGTH);
export const E164Phone = z.string().regex(E164_PATTERN, 'must be an E.164 phone number such as +4420794600');
export const LocationRoleSchema = z.enum(['admin', 'regular']);
export const PhoneTypeSchema = z.enum(['mobile', 'work']);
export const InvitationStatusSchema = z.enum(['held', 'sent']);

/** Parses "true"/"True"/"FALSE" (and real booleans) into booleans; anything else fails. */
export function parseBooleanLike(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lowered = value.trim().toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  return value;
}

/** Boolean that also accepts the boolean strings Entra and some Visitor clients send. */
export const BooleanLike = z.preprocess(parseBooleanLike, z.boolean());

/** Lower-cases a PATCH op on input: Entra sends `Replace`, `Add`, `Remove`. */
export const PatchOpName = z.preprocess(
  (value) => (typeof value === 'string' ? value.toLowerCase() : value),
  z.enum(['add', 'remove', 'replace']),
);

// ---------------------------------------------------------------------------------------------
// Shared read-side pieces

export const MetaSchema = z.looseObject({
  resourceType: z.string(),
  created: z.string(),
  lastModified: z.string(),
  /** Weak ETag, e.g. `W/"3"`; also sent as the `ETag` header. */
  version: z.string(),
  location: z.string(),
});

const UserSchemasList = z.array(z.string()).min(1);

// ---------------------------------------------------------------------------------------------
// User — read

export const LocationAccessSchema = z.looseObject({ locationId: z.string(), role: LocationRoleSchema });

export const VisitorUserExtensionSchema = z.looseObject({
  defaultLocationId: z.string(),
  locationAccess: z.array(LocationAccessSchema),
  sso: BooleanLike,
  /** Read-only, set by the server: whether the "Join your team" e-mail went out. */
  invitation: z.looseObject({ status: InvitationStatusSchema, sentAt: z.string().optional() }).optional(),
});

export const UserSchema = z.looseObject({
  schemas: UserSchemasList,
  id: z.string(),
  externalId: z.string().optional(),
  userName: z.string(),
  name: z.looseObject({ givenName: z.string(), familyName: z.string(), formatted: z.string().optional() }),
  emails: z.array(
    z.looseObject({ value: z.string(), type: z.string().optional(), primary: BooleanLike.optional() }),
  ),
  phoneNumbers: z.array(z.looseObject({ value: z.string(), type: z.string().optional() })).optional(),
  title: z.string().optional(),
  preferredLanguage: z.string().optional(),
  active: BooleanLike,
  [URN_VISITOR_USER]: VisitorUserExtensionSchema,
  meta: MetaSchema,
});

/**
 * The short answer to a create: what the sync needs of a user it just made (the id to link, the
 * invitation state), asked for with RFC 7644 §3.9 `attributes` so a 500-location access list is
 * not echoed back. A server that ignores the parameter answers the whole user, which parses too.
 */
export const USER_WRITE_ANSWER_ATTRIBUTES = [
  'userName',
  'externalId',
  'active',
  `${URN_VISITOR_USER}:invitation`,
].join(',');

export const UserWriteAnswerSchema = z.looseObject({
  schemas: UserSchemasList,
  id: z.string(),
  externalId: z.string().optional(),
  userName: z.string(),
  active: BooleanLike,
  [URN_VISITOR_USER]: z.looseObject({ invitation: VisitorUserExtensionSchema.shape.invitation }).optional(),
  meta: MetaSchema,
});

// ---------------------------------------------------------------------------------------------
// User — requests (exact, what a client sends)

const NameRequest = z.strictObject({
  givenName: ScimText.min(1),
  familyName: ScimText.min(1),
  formatted: ScimText.optional(),
});
const EmailRequest = z.strictObject({
  value: ScimText.min(3),
  type: z.enum(['work', 'home', 'other']),
  primary: z.boolean(),
});
const PhoneRequest = z.strictObject({ value: E164Phone, type: PhoneTypeSchema });
const LocationAccessRequest = z.strictObject({ locationId: ScimText.min(1), role: LocationRoleSchema });
/** The access list of a user request on its own (checked once per shared list, see validate.ts). */
export const LocationAccessListRequestSchema = z.array(LocationAccessRequest);

const UserRequestBase = {
  schemas: UserSchemasList,
  externalId: ScimText.min(1).optional(),
  userName: ScimText.min(1),
  name: NameRequest,
  emails: z.array(EmailRequest).min(1),
  phoneNumbers: z.array(PhoneRequest).optional(),
  title: ScimText.optional(),
  preferredLanguage: ScimText.optional(),
  active: z.boolean(),
};
const VisitorExtensionRequestBase = {
  /** Omitted → the default location. */
  defaultLocationId: ScimText.min(1).optional(),
  /** Omitted on create → no access entries; on PUT → replaced by an empty list. */
  locationAccess: LocationAccessListRequestSchema.optional(),
  sso: z.boolean().optional(),
};

/** POST /Users. `sendInvitation` is write-only and only honoured here. */
export const UserCreateRequestSchema = z.strictObject({
  ...UserRequestBase,
  [URN_VISITOR_USER]: z
    .strictObject({ ...VisitorExtensionRequestBase, sendInvitation: z.boolean().optional() })
    .optional(),
});

/** PUT /Users/{id}: full replace; `id` may be echoed back, meta is not sent. */
export const UserReplaceRequestSchema = z.strictObject({
  ...UserRequestBase,
  id: z.string().optional(),
  [URN_VISITOR_USER]: z.strictObject(VisitorExtensionRequestBase).optional(),
});

/**
 * PUT /Users/{id} of a read-modify-write (a target that cannot PATCH, scim/rewrite.ts): the user as
 * read with the change applied. The request limits hold for what the client models; anything else
 * the target returned goes back as it was, since a PUT clears what it omits.
 */
export const UserRewriteRequestSchema = z.looseObject({
  schemas: UserSchemasList,
  id: z.string().optional(),
  externalId: ScimText.min(1).optional(),
  userName: ScimText.min(1),
  name: z.looseObject({
    givenName: ScimText.min(1),
    familyName: ScimText.min(1),
    formatted: ScimText.optional(),
  }),
  emails: z
    .array(
      z.looseObject({ value: ScimText.min(3), type: ScimText.optional(), primary: BooleanLike.optional() }),
    )
    .min(1),
  phoneNumbers: z.array(z.looseObject({ value: E164Phone, type: ScimText.optional() })).optional(),
  title: ScimText.optional(),
  preferredLanguage: ScimText.optional(),
  active: BooleanLike,
  [URN_VISITOR_USER]: z
    .looseObject({
      defaultLocationId: ScimText.min(1).optional(),
      locationAccess: z
        .array(z.looseObject({ locationId: ScimText.min(1), role: LocationRoleSchema }))
        .optional(),
      sso: BooleanLike.optional(),
    })
    .optional(),
});

/** What a user's PUT leaves out, set by the target: `meta`, and the extension's `invitation`. */
export const USER_SERVER_SET = ['meta'] as const;
export const VISITOR_USER_SERVER_SET = ['invitation'] as const;

// ---------------------------------------------------------------------------------------------
// User — inbound (what a tolerant server accepts: limits enforced, strings coerced, extras dropped)

export const UserInboundSchema = z.object({
  schemas: z.array(z.string()).optional(),
  id: z.string().optional(),
  externalId: ScimText.min(1).optional(),
  userName: ScimText.min(1),
  name: z.object({ givenName: ScimText.min(1), familyName: ScimText.min(1), formatted: ScimText.optional() }),
  emails: z.array(
    z.object({ value: ScimText.min(1), type: ScimText.optional(), primary: BooleanLike.optional() }),
  ),
  phoneNumbers: z.array(z.object({ value: E164Phone, type: PhoneTypeSchema })).optional(),
  title: ScimText.optional(),
  preferredLanguage: ScimText.optional(),
  active: BooleanLike.optional(),
  [URN_VISITOR_USER]: z
    .object({
      defaultLocationId: ScimText.min(1).optional(),
      locationAccess: z.array(z.object({ locationId: ScimText.min(1), role: LocationRoleSchema })).optional(),
      sso: BooleanLike.optional(),
      sendInvitation: BooleanLike.optional(),
    })
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// Location

export const AddressSchema = z.looseObject({
  streetAddress: z.string().optional(),
  locality: z.string().optional(),
  postalCode: z.string().optional(),
  region: z.string().optional(),
  country: z.string().optional(),
});

export const LocationSchema = z.looseObject({
  schemas: z.array(z.string()).min(1),
  id: z.string(),
  /** The source system's id (Engage location id). */
  externalId: z.string().optional(),
  /** Visitor's own pair of ids, server-assigned. */
  companyId: z.string(),
  locationId: z.string(),
  name: z.string(),
  address: AddressSchema.optional(),
  timeZone: z.string().optional(),
  /** Read-only: the location where the SCIM integration is installed. */
  isDefault: BooleanLike,
  meta: MetaSchema,
});

/** The address parts Visitor keeps, each within its length limit. */
const ADDRESS_PARTS = {
  streetAddress: ScimText.optional(),
  locality: ScimText.optional(),
  postalCode: ScimText.optional(),
  region: ScimText.optional(),
  country: ScimText.optional(),
};
const AddressRequest = z.strictObject(ADDRESS_PARTS);

/** POST /Locations and PUT /Locations/{id}. `timeZone` is an IANA zone such as Europe/London. */
export const LocationRequestSchema = z.strictObject({
  schemas: z.array(z.string()).min(1),
  id: z.string().optional(),
  externalId: ScimText.min(1).optional(),
  name: ScimText.min(1),
  address: AddressRequest.optional(),
  timeZone: ScimText.optional(),
});

/** PUT /Locations/{id} of a read-modify-write: the location as read with the change applied. */
export const LocationRewriteRequestSchema = z.looseObject({
  schemas: z.array(z.string()).min(1),
  id: z.string().optional(),
  externalId: ScimText.min(1).optional(),
  name: ScimText.min(1),
  address: z.looseObject(ADDRESS_PARTS).optional(),
  timeZone: ScimText.optional(),
});

/** What a location's PUT leaves out: Visitor's own ids, the default flag and meta. */
export const LOCATION_SERVER_SET = ['meta', 'companyId', 'locationId', 'isDefault'] as const;

export const LocationInboundSchema = z.object({
  schemas: z.array(z.string()).optional(),
  id: z.string().optional(),
  externalId: ScimText.min(1).optional(),
  name: ScimText.min(1),
  address: z.object(ADDRESS_PARTS).optional(),
  timeZone: ScimText.optional(),
});

// ---------------------------------------------------------------------------------------------
// Messages

export function listResponseSchema<T extends z.ZodType>(resource: T) {
  return z.looseObject({
    schemas: z.array(z.string()),
    totalResults: z.number().int().nonnegative(),
    startIndex: z.number().int().positive().optional(),
    itemsPerPage: z.number().int().nonnegative().optional(),
    // A server may omit Resources when there are none (count=0).
    Resources: z.array(resource).default([]),
  });
}

export const UserListResponseSchema = listResponseSchema(UserSchema);
export const LocationListResponseSchema = listResponseSchema(LocationSchema);

export const PatchOperationSchema = z.object({
  op: PatchOpName,
  path: z.string().min(1).optional(),
  value: z.unknown().optional(),
});

/** PATCH body; `op` is case-insensitive on input and lower-case after parsing. */
export const PatchRequestSchema = z.strictObject({
  schemas: z.array(z.literal(URN_PATCH_OP)).min(1),
  Operations: z.array(PatchOperationSchema).min(1),
});

export const ScimTypeSchema = z.enum([
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
]);

/** SCIM Error; `status` is a string on the wire (numbers tolerated on read). */
export const ScimErrorSchema = z.looseObject({
  schemas: z.array(z.string()),
  status: z.union([z.string(), z.number()]).transform(String),
  scimType: z.string().optional(),
  detail: z.string().optional(),
});

/** Answer of POST /Users/{id}/invitation — 200 both when sent now and when already sent. */
export const InvitationSendResponseSchema = z.looseObject({
  userId: z.string(),
  userName: z.string(),
  status: z.literal('sent'),
  sentAt: z.string(),
  /** true → this call sent nothing; the e-mail went out earlier (at `sentAt`). */
  alreadySent: z.boolean(),
});

// ---------------------------------------------------------------------------------------------
// Types

export type LocationRole = z.infer<typeof LocationRoleSchema>;
export type ScimUser = z.infer<typeof UserSchema>;
export type ScimUserWriteAnswer = z.infer<typeof UserWriteAnswerSchema>;
export type UserCreateRequest = z.infer<typeof UserCreateRequestSchema>;
export type UserReplaceRequest = z.infer<typeof UserReplaceRequestSchema>;
export type UserInbound = z.infer<typeof UserInboundSchema>;
export type ScimLocation = z.infer<typeof LocationSchema>;
export type LocationRequest = z.infer<typeof LocationRequestSchema>;
export type ListResponse<T> = {
  schemas: string[];
  totalResults: number;
  startIndex?: number;
  itemsPerPage?: number;
  Resources: T[];
};
export type PatchOperation = z.infer<typeof PatchOperationSchema>;
/** A PATCH request as parsed: op names lower-cased. */
export type PatchRequest = z.infer<typeof PatchRequestSchema>;
export type ScimType = z.infer<typeof ScimTypeSchema>;
export type ScimError = z.infer<typeof ScimErrorSchema>;
export type InvitationSendResponse = z.infer<typeof InvitationSendResponseSchema>;
