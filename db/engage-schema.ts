// Table types of the Engage source schema (`engage.*`), for kysely.
import type { ColumnType, Generated } from 'kysely';

/** Timestamps the database fills in (default now(), trigger-maintained updated_at); writable for seeding. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface EngageLocationsTable {
  id: Generated<number>;
  name: string;
  address: string | null;
  city: string | null;
  postal_code: string | null;
  /** ISO 3166-1 alpha-2 (char(2)). */
  country: string | null;
  /** IANA time zone name. */
  time_zone: string | null;
  active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export interface EngageUsersTable {
  id: Generated<number>;
  username: string;
  email: string | null;
  given_name: string | null;
  family_name: string | null;
  mobile_phone: string | null;
  work_phone: string | null;
  job_title: string | null;
  preferred_language: string | null;
  /**
   * 'global_admin' | 'country_admin' | 'location_admin' | 'group_admin' | 'video_admin' | 'regular' |
   * 'vendor' by CHECK; typed as string because the reader must cope with types Engage adds.
   */
  user_type: ColumnType<string, string | undefined, string>;
  sso: Generated<boolean>;
  active: Generated<boolean>;
  /** The identity provider's id (SSO users). */
  external_id: string | null;
  custom_attributes: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Date | null;
  /** Added by 0002 (Engage SCIM API): SCIM displayName and the enterprise extension. */
  display_name: ColumnType<string | null, string | null | undefined, string | null>;
  department: ColumnType<string | null, string | null | undefined, string | null>;
  cost_center: ColumnType<string | null, string | null | undefined, string | null>;
  employee_number: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface EngageLocationAdminsTable {
  user_id: number;
  location_id: number;
}

/** The countries a Country administrator administers (ISO 3166-1 alpha-2, as engage.locations.country). */
export interface EngageCountryAdminsTable {
  user_id: number;
  country: string;
}

/** SCIM groups (Engage SCIM API); ids are UUIDs so they never collide with user ids. */
export interface EngageGroupsTable {
  id: Generated<string>;
  display_name: string;
  external_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EngageGroupMembersTable {
  group_id: string;
  user_id: number;
}

/** One committed change to a user, waiting to be published to the user's provisioning workflow. */
export interface EngageChangeOutboxTable {
  id: Generated<string>;
  engage_user_id: number;
  kind: string;
  created_at: Timestamp;
  delivered_at: Date | null;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: Timestamp;
}

export interface EngageScimClientsTable {
  id: string;
  name: string;
  /** scrypt$N$r$p$salt$hash (base64url). */
  secret_hash: string;
  created_at: Timestamp;
  revoked_at: Date | null;
  /** Added by 0004: what the client may do — 'read' | 'users' | 'groups' | 'admin_types'. */
  scopes: ColumnType<string[], string[] | undefined, string[]>;
}

export interface EngageScimTokensTable {
  id: string;
  client_id: string;
  /** sha256 of the bearer token; the token itself is never stored. */
  token_hash: Buffer;
  created_at: Timestamp;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface EngageDatabase {
  'engage.users': EngageUsersTable;
  'engage.locations': EngageLocationsTable;
  'engage.location_admins': EngageLocationAdminsTable;
  'engage.country_admins': EngageCountryAdminsTable;
  'engage.groups': EngageGroupsTable;
  'engage.group_members': EngageGroupMembersTable;
  'engage.change_outbox': EngageChangeOutboxTable;
  'engage.scim_clients': EngageScimClientsTable;
  'engage.scim_tokens': EngageScimTokensTable;
}
