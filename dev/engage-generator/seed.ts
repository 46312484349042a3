// Seeds an empty Engage database with a realistic company, deterministically per seed.
import { type Insertable, type Kysely, sql } from 'kysely';
import type { EngageDatabase, EngageLocationsTable } from '../../db/engage-schema';
import { ENGAGE_USER_TYPES, type EngageUserType } from '../../domain/types';
import { type HomeLocation, PeopleFactory, type UserInsert } from './people';
import { type City, locationNames } from './places';
import type { Random } from './random';
import { createRandom } from './random';

export interface SeedOptions {
  users: number;
  locations: number;
  seed?: string | number;
  /** Empty the Engage tables first; without it a non-empty database is refused. */
  reset?: boolean;
  /** Anchor for generated timestamps (default: now). */
  now?: Date;
}

export interface SeedSummary {
  seed: string;
  users: number;
  locations: number;
  usersByType: Record<EngageUserType, number>;
  inactiveUsers: number;
  ssoUsers: number;
  nonEmailUsernames: number;
  locationAdminLinks: number;
  /** engage.country_admins rows: the countries Country admins administer. */
  countryAdminLinks: number;
  durationMs: number;
}

export class NotEmptyError extends Error {
  override name = 'NotEmptyError';
}

const BATCH = 2_000;
const DAY_MS = 86_400_000;

export async function seedCompany(db: Kysely<EngageDatabase>, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const seed = String(options.seed ?? 1);
  const now = options.now ?? new Date();
  const random = createRandom(seed);

  const locations = buildLocations(random.fork('locations'), options.locations, now);
  const homes: HomeLocation[] = locations
    .map((l, i) => ({ id: i + 1, city: l.city, active: l.row.active }))
    .filter((l) => l.active !== false);
  if (options.users > 0 && homes.length === 0)
    throw new RangeError('users need at least one active location');
  const people = new PeopleFactory(random.fork('users'), homes, now);
  const typeRandom = random.fork('types');
  const usersByType = Object.fromEntries(ENGAGE_USER_TYPES.map((t) => [t, 0])) as Record<
    EngageUserType,
    number
  >;
  // The countries of the active locations: what a Country admin can administer.
  const countries = [...new Set(homes.map((h) => h.city.country))].sort();
  let inactiveUsers = 0;
  let ssoUsers = 0;
  let nonEmailUsernames = 0;
  const adminLinks: { user_id: number; location_id: number }[] = [];
  const countryLinks: { user_id: number; country: string }[] = [];

  await db.transaction().execute(async (trx) => {
    if (options.reset) {
      // CASCADE: groups, memberships and the change outbox of the Engage SCIM API go with the users.
      await sql`TRUNCATE engage.location_admins, engage.country_admins, engage.users, engage.locations RESTART IDENTITY CASCADE`.execute(
        trx,
      );
    } else {
      const existing = await sql<{ n: number }>`
        SELECT (SELECT count(*) FROM engage.users)::int + (SELECT count(*) FROM engage.locations)::int AS n`.execute(
        trx,
      );
      if ((existing.rows[0]?.n ?? 0) > 0) {
        throw new NotEmptyError(
          'The Engage database already has users or locations; use --reset to replace them.',
        );
      }
    }
    for (let i = 0; i < locations.length; i += BATCH) {
      await trx
        .insertInto('engage.locations')
        .values(locations.slice(i, i + BATCH).map((l, j) => ({ id: i + j + 1, ...l.row })))
        .execute();
    }
    await insertUsers(trx);
  });
  await sql`ANALYZE engage.users, engage.locations, engage.location_admins, engage.country_admins`.execute(
    db,
  );

  async function insertUsers(trx: Kysely<EngageDatabase>): Promise<void> {
    for (let start = 0; start < options.users; start += BATCH) {
      const rows: (UserInsert & { id: number })[] = [];
      for (let id = start + 1; id <= Math.min(start + BATCH, options.users); id++) {
        // Every administrator access level Eptura documents, so the demo shows each of them.
        const userType = typeRandom.weighted<EngageUserType>({
          global_admin: 1,
          country_admin: 1,
          location_admin: 3,
          group_admin: 1,
          video_admin: 1,
          vendor: 5,
          regular: 88,
        });
        const active = !typeRandom.chance(0.02);
        const row = { id, ...people.user(userType, { active }) };
        rows.push(row);
        usersByType[userType]++;
        if (!active) inactiveUsers++;
        if (row.sso) ssoUsers++;
        if (!row.username.includes('@')) nonEmailUsernames++;
        if (userType === 'location_admin') {
          for (const home of typeRandom.sample(homes, typeRandom.int(1, 3))) {
            adminLinks.push({ user_id: id, location_id: home.id });
          }
        }
        if (userType === 'country_admin') {
          for (const country of typeRandom.sample(countries, typeRandom.int(1, 2))) {
            countryLinks.push({ user_id: id, country });
          }
        }
      }
      await trx.insertInto('engage.users').values(rows).execute();
    }
    for (let i = 0; i < adminLinks.length; i += BATCH) {
      await trx
        .insertInto('engage.location_admins')
        .values(adminLinks.slice(i, i + BATCH))
        .execute();
    }
    for (let i = 0; i < countryLinks.length; i += BATCH) {
      await trx
        .insertInto('engage.country_admins')
        .values(countryLinks.slice(i, i + BATCH))
        .execute();
    }
    // Ids were given explicitly (deterministic); move the identity sequences past them.
    await sql`SELECT setval(pg_get_serial_sequence('engage.users', 'id'), coalesce(max(id), 0) + 1, false) FROM engage.users`.execute(
      trx,
    );
    await sql`SELECT setval(pg_get_serial_sequence('engage.locations', 'id'), coalesce(max(id), 0) + 1, false) FROM engage.locations`.execute(
      trx,
    );
  }

  return {
    seed,
    users: options.users,
    locations: locations.length,
    usersByType,
    inactiveUsers,
    ssoUsers,
    nonEmailUsernames,
    locationAdminLinks: adminLinks.length,
    countryAdminLinks: countryLinks.length,
    durationMs: Math.round(performance.now() - started),
  };
}

type LocationInsert = Omit<Insertable<EngageLocationsTable>, 'id'>;

/** The first `count` location names, each with a street address and postcode in its city. */
export function buildLocations(
  random: Random,
  count: number,
  now: Date,
  skipNames: ReadonlySet<string> = new Set(),
): { row: LocationInsert; city: City }[] {
  const result: { row: LocationInsert; city: City }[] = [];
  for (const { name, city } of locationNames()) {
    if (result.length >= count) break;
    if (skipNames.has(name)) continue;
    const createdAt = new Date(now.getTime() - random.int(30, 3650) * DAY_MS);
    result.push({
      city,
      row: {
        name,
        address: `${random.int(1, 250)} ${random.pick(city.streets)}`,
        city: city.city,
        postal_code: city.postalCode(random) || null,
        country: city.country,
        time_zone: city.timeZone,
        active: !random.chance(0.02),
        created_at: createdAt,
        updated_at: createdAt,
      },
    });
  }
  return result;
}
