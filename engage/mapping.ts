// Row → domain mapping, one row at a time: a malformed row yields a reason instead of throwing, so the
// caller can report that one user and carry on with the rest of the page.
import type { EngageLocation, EngageUser } from '../domain/types';

export interface InvalidRow {
  id: number;
  /** What is wrong, without the offending value (it may be personal data). */
  reason: string;
  /**
   * The row's own active and deleted_at columns (typed by the database, never malformed) say it is
   * active and not deleted: a user still there, whose other columns are wrong.
   */
  activeInEngage: boolean;
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; invalid: InvalidRow };

/**
 * The columns the reader selects for a user (administered_location_ids, administered_countries and
 * administered_country_location_ids aggregated in the same query).
 */
export interface UserRow {
  id: number;
  username: unknown;
  email: unknown;
  given_name: unknown;
  family_name: unknown;
  mobile_phone: unknown;
  work_phone: unknown;
  job_title: unknown;
  preferred_language: unknown;
  user_type: unknown;
  sso: unknown;
  active: unknown;
  deleted_at: unknown;
  created_at: unknown;
  updated_at: unknown;
  administered_location_ids: unknown;
  administered_countries: unknown;
  administered_country_location_ids: unknown;
  /** Present when the reader selected it (engage/reader.ts SOURCE_DIGEST). */
  source_digest?: string;
}

export interface LocationRow {
  id: number;
  name: unknown;
  address: unknown;
  city: unknown;
  postal_code: unknown;
  country: unknown;
  time_zone: unknown;
  active: unknown;
  deleted_at: unknown;
  created_at: unknown;
  updated_at: unknown;
}

class RowError extends Error {}

const text = (v: unknown, column: string): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new RowError(`${column} is not text`);
  return v;
};
const requiredText = (v: unknown, column: string): string => {
  const s = text(v, column);
  if (s === null || s.trim() === '') throw new RowError(`${column} is empty`);
  return s;
};
const bool = (v: unknown, column: string): boolean => {
  if (typeof v !== 'boolean') throw new RowError(`${column} is not a boolean`);
  return v;
};
const date = (v: unknown, column: string): Date => {
  if (!(v instanceof Date) || Number.isNaN(v.getTime()))
    throw new RowError(`${column} is not a valid timestamp`);
  return v;
};
const optionalDate = (v: unknown, column: string): Date | null => (v === null ? null : date(v, column));
const idList = (v: unknown, column: string): number[] => {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x)))
    throw new RowError(`${column} is not a list of ids`);
  return v as number[];
};
const countryList = (v: unknown, column: string): string[] => {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && /^[A-Z]{2}$/.test(x)))
    throw new RowError(`${column} is not a list of country codes`);
  return v as string[];
};

function mapRow<T>(row: { id: number; active: unknown; deleted_at: unknown }, build: () => T): Mapped<T> {
  try {
    return { ok: true, value: build() };
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
    const activeInEngage = row.active === true && row.deleted_at === null;
    return { ok: false, invalid: { id: row.id, reason: err.message, activeInEngage } };
  }
}

export function mapUserRow(row: UserRow): Mapped<EngageUser> {
  return mapRow(row, () => {
    // Any text: a type Engage added since is the rules' to handle (regular access, a warning), not a bad row.
    const userType = requiredText(row.user_type, 'user_type');
    return {
      id: row.id,
      username: requiredText(row.username, 'username'),
      email: text(row.email, 'email'),
      givenName: text(row.given_name, 'given_name'),
      familyName: text(row.family_name, 'family_name'),
      mobilePhone: text(row.mobile_phone, 'mobile_phone'),
      workPhone: text(row.work_phone, 'work_phone'),
      jobTitle: text(row.job_title, 'job_title'),
      preferredLanguage: text(row.preferred_language, 'preferred_language'),
      userType,
      administeredLocationIds: idList(row.administered_location_ids, 'administered_location_ids'),
      administeredCountries: countryList(row.administered_countries, 'administered_countries'),
      administeredCountryLocationIds: idList(
        row.administered_country_location_ids,
        'administered_country_location_ids',
      ),
      sso: bool(row.sso, 'sso'),
      active: bool(row.active, 'active'),
      deletedAt: optionalDate(row.deleted_at, 'deleted_at'),
      createdAt: date(row.created_at, 'created_at'),
      updatedAt: date(row.updated_at, 'updated_at'),
      ...(row.source_digest !== undefined ? { sourceDigest: row.source_digest } : {}),
    };
  });
}

export function mapLocationRow(row: LocationRow): Mapped<EngageLocation> {
  return mapRow(row, () => ({
    id: row.id,
    name: requiredText(row.name, 'name'),
    address: text(row.address, 'address'),
    city: text(row.city, 'city'),
    postalCode: text(row.postal_code, 'postal_code'),
    country: text(row.country, 'country'),
    timeZone: text(row.time_zone, 'time_zone'),
    active: bool(row.active, 'active'),
    deletedAt: optionalDate(row.deleted_at, 'deleted_at'),
    createdAt: date(row.created_at, 'created_at'),
    updatedAt: date(row.updated_at, 'updated_at'),
  }));
}

/** Splits mapped rows into values and per-row errors, keeping row order. */
export function partition<T>(results: Mapped<T>[]): { values: T[]; invalid: InvalidRow[] } {
  const values: T[] = [];
  const invalid: InvalidRow[] = [];
  for (const r of results) {
    if (r.ok) values.push(r.value);
    else invalid.push(r.invalid);
  }
  return { values, invalid };
}
