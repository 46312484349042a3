/** URNs the tests spell out literally, so a typo in scim/wire.ts would fail them. */
export const URN_CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const URN_CORE_SCIM1 = 'urn:scim:schemas:core:1.0';
export const URN_VISITOR_USER = 'urn:ietf:params:scim:schemas:extension:eptura:visitor:2.0:User';
export const URN_LOCATION_SCHEMA = 'urn:ietf:params:scim:schemas:eptura:visitor:2.0:Location';
export const URN_PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const URN_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const URN_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
