// Shared domain types of the Engage → Visitor sync. Pure data, no behaviour.

export type EngageUserType = 'global_admin' | 'location_admin' | 'regular' | 'vendor';

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
  userType: EngageUserType;
  administeredLocationIds: number[];
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

export interface Failure {
  code: FailureCode;
  /** SCIM attribute path the failure is about, when it is about one. */
  attribute?: string;
  /** Human message; deliberately free of the offending value (it may be PII). */
  message: string;
}

export type DeprovisionMode = 'delete' | 'deactivate';

export interface SyncOptions {
  /** Existing users also get Visitor locations created after they were provisioned. */
  grantNewLocationsToExistingUsers: boolean;
  /** Engage location admins become Visitor admins at the locations they administer. */
  locationAdminsAdministerTheirLocations: boolean;
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
