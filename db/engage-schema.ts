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
  /** 'global_admin' | 'location_admin' | 'regular' | 'vendor' by CHECK; typed as string because the reader must cope with others. */
  user_type: ColumnType<string, string | undefined, string>;
  sso: Generated<boolean>;
  active: Generated<boolean>;
  /** The identity provider's id (SSO users). */
  external_id: string | null;
  custom_attributes: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export interface EngageLocationAdminsTable {
  user_id: number;
  location_id: number;
}

export interface EngageDatabase {
  'engage.users': EngageUsersTable;
  'engage.locations': EngageLocationsTable;
  'engage.location_admins': EngageLocationAdminsTable;
}
