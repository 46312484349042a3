/**
 * In-memory records. Location access is a byte per location ordinal (0 none, 1 regular,
 * 2 admin) so 100,000 users × 500 locations is ~50 MB of bytes, not 50 million objects.
 */
import type { LocationRole } from '../../scim/wire';

export const ACCESS_NONE = 0;
export const ACCESS_REGULAR = 1;
export const ACCESS_ADMIN = 2;

export interface Address {
  streetAddress?: string;
  locality?: string;
  postalCode?: string;
  region?: string;
  country?: string;
}

export interface LocationRecord {
  id: string;
  /** Position in every user's access array; never reused. */
  ordinal: number;
  externalId?: string;
  companyId: string;
  locationId: string;
  name: string;
  address?: Address;
  timeZone?: string;
  isDefault: boolean;
  created: string;
  lastModified: string;
  version: number;
}

export interface EmailValue {
  value: string;
  type?: string;
  primary?: boolean;
}

export interface PhoneValue {
  value: string;
  type: 'mobile' | 'work';
}

export interface UserRecord {
  /** Creation order, assigned by the store (not persisted: load order restores it). */
  seq: number;
  id: string;
  externalId?: string;
  userName: string;
  givenName: string;
  familyName: string;
  formatted?: string;
  emails: EmailValue[];
  phoneNumbers?: PhoneValue[];
  title?: string;
  preferredLanguage?: string;
  active: boolean;
  /** Ordinal of the default (home) location. */
  defaultLocation: number;
  access: Uint8Array;
  sso: boolean;
  invitationStatus: 'held' | 'sent';
  invitationSentAt?: string;
  created: string;
  lastModified: string;
  version: number;
}

export interface InvitationSend {
  userId: string;
  userName: string;
  sentAt: string;
}

export const roleToByte = (role: LocationRole): number => (role === 'admin' ? ACCESS_ADMIN : ACCESS_REGULAR);
export const byteToRole = (byte: number): LocationRole => (byte === ACCESS_ADMIN ? 'admin' : 'regular');

export const etagOf = (version: number) => `W/"${version}"`;
