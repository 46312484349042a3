// The emulator's compact state export (`GET /_admin/state?format=compact`), as the invariant checks,
// the test harness and the chaos environment read it.

export interface CompactUser {
  id: string;
  externalId?: string;
  userName: string;
  name: { givenName: string; familyName: string };
  emails: { value: string; type?: string; primary?: boolean }[];
  phoneNumbers?: { value: string; type?: string }[];
  title?: string;
  preferredLanguage?: string;
  active: boolean;
  defaultLocationId?: string;
  /** One char per location of `locations` (same order): '-' none, 'r' regular, 'a' admin. */
  access: string;
  sso: boolean;
  invitation: { status: string; sentAt?: string };
}
export interface VisitorState {
  locations: {
    id: string;
    externalId?: string;
    name: string;
    isDefault: boolean;
    address?: Record<string, string>;
  }[];
  users: CompactUser[];
  invitations: { userId: string; userName: string; sentAt: string }[];
}
