// Shared domain types of the Engage → Visitor sync. Pure data, no behaviour.

/** Engage's user types as Eptura documents them: the administrator access levels, users and vendors. */
export const ENGAGE_USER_TYPES = [
  'global_admin',
  'country_admin',
  'location_admin',
  'group_admin',
  'video_admin',
  'regular',
  'vendor',
] as const;

export type EngageUserType = (typeof ENGAGE_USER_TYPES)[number];

/** One Engage user as returned by the Engage DB reader. */
export interface EngageUser {
  id: number;
  username: string;
  email: string | null;
  givenName: string | null;
  familyName: string | null;
  mobilePhone: string | null;
  workPhone: string | null;
  jobTitle: string | null;
  preferredLanguage: string | null;
  /**
   * As Engage stores it. A type this version does not know (Engage added one) is kept as read: the
   * rules give it regular access and warn (domain/access.ts), never fail the user for it.
   */
  userType: EngageUserType | (string & {});
  administeredLocationIds: number[];
  /** A Country admin's countries (ISO 3166-1 alpha-2), ascending. */
  administeredCountries: string[];
  /** The Engage locations whose country is one of administeredCountries, ascending. */
  administeredCountryLocationIds: number[];
  sso: boolean;
  active: boolean;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Opaque digest of the row as read (all columns above); the rules ignore it. */
  sourceDigest?: string;
}

/** One Engage location as returned by the Engage DB reader. */
export interface EngageLocation {
  id: number;
  name: string;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  country: string | null;
  timeZone: string | null;
  active: boolean;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Access level of a user at one Visitor location. */
export type Role = 'admin' | 'regular';

/** Visitor location id → role. Keys are Visitor's own (string) location ids. */
export type AccessMap = Map<string, Role>;

/** The Visitor user the sync wants, derived from one Engage user. Optional fields are absent, never undefined. */
export interface DesiredVisitorUser {
  /** Engage user id as a string. */
  externalId: string;
  userName: string;
  /** Always equal to userName: Visitor requires userName == primary work e-mail. */
  email: string;
  givenName: string;
  familyName: string;
  mobilePhone?: string;
  workPhone?: string;
  title?: string;
  preferredLanguage?: string;
  sso: boolean;
}

/** Machine-readable failure codes; never contain PII. */
export type FailureCode =
  | 'missing_email'
  | 'invalid_email'
  | 'missing_name'
  | 'value_too_long'
  | 'duplicate_identity'
  | 'state_mismatch';

/** What the sync did to a user's data that an operator should know, though the user was provisioned. */
export type WarningCode = 'unknown_user_type' | 'value_shortened' | 'characters_removed';

/** Logged with the user's entry; like a failure, it names attributes, never their values. */
export interface Warning {
  code: WarningCode;
  attribute?: string;
  message: string;
}

export interface Failure {
  code: FailureCode;
  /** SCIM attribute path the failure is about, when it is about one. */
  attribute?: string;
  /** Human message; deliberately free of the offending value (it may be PII). */
  message: string;
}

export type DeprovisionMode = 'delete' | 'deactivate';

export type LongValuePolicy = 'shorten' | 'refuse';

export interface SyncOptions {
  /** Existing users also get Visitor locations created after they were provisioned. */
  grantNewLocationsToExistingUsers: boolean;
  /** Engage location admins become Visitor admins at the locations they administer. */
  locationAdminsAdministerTheirLocations: boolean;
  /** Engage country admins become Visitor admins at the locations of their countries; absent = off. */
  countryAdminsAdministerTheirCountries?: boolean;
  /** A display value over Visitor's limit: shortened with a warning, or the user refused; absent = shorten. */
  longValues?: LongValuePolicy;
  /** What happens in Visitor to users deleted or deactivated in Engage. */
  deprovision: DeprovisionMode;
}

/** What the sync remembers about one Engage user between runs. */
export interface SyncUserState {
  engageUserId: number;
  /** Visitor's id of the user; null when never created (or deleted by the sync). */
  visitorUserId: string | null;
  userName: string;
  /** The attributes the sync last wrote. */
  attributes: DesiredVisitorUser;
  /** The access the sync last wrote and therefore owns. */
  ownedAccess: Record<string, Role>;
  fingerprint: string;
  deprovisioned: boolean;
}
