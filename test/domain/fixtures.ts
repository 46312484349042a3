// Builders for domain tests: a valid baseline that each case overrides.
import type { EngageUser, SyncOptions } from '../../domain/types';

export function engageUser(overrides: Partial<EngageUser> = {}): EngageUser {
  return {
    id: 42,
    username: 'ada.lovelace@example.com',
    email: 'ada.lovelace@example.com',
    givenName: 'Ada',
    familyName: 'Lovelace',
    mobilePhone: '+44 7700 900123',
    workPhone: null,
    jobTitle: 'Analyst',
    preferredLanguage: 'en-GB',
    userType: 'regular',
    administeredLocationIds: [],
    administeredCountries: [],
    administeredCountryLocationIds: [],
    sso: false,
    active: true,
    deletedAt: null,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-02T00:00:00Z'),
    ...overrides,
  };
}

export const defaultOptions: SyncOptions = {
  grantNewLocationsToExistingUsers: false,
  locationAdminsAdministerTheirLocations: false,
  deprovision: 'deactivate',
};
