// Precise Engage rows for tests that need to know exactly who changed.
import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import type { EngageUserType } from '../../domain/types';

export interface UserFixture {
  username?: string;
  email?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  mobilePhone?: string | null;
  jobTitle?: string | null;
  userType?: EngageUserType;
  sso?: boolean;
  active?: boolean;
  administers?: number[];
}

let counter = 0;

export async function addLocations(db: Kysely<EngageDatabase>, names: string[]): Promise<number[]> {
  const rows = await db
    .insertInto('engage.locations')
    .values(
      names.map((name, i) => ({
        name,
        city: `City ${i}`,
        country: 'GB',
        time_zone: 'Europe/London',
        address: `${i} High Street`,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function addUsers(db: Kysely<EngageDatabase>, users: UserFixture[]): Promise<number[]> {
  const ids: number[] = [];
  for (const u of users) {
    const n = ++counter;
    const username = u.username ?? `person${n}.${Date.now() % 100000}@example.com`;
    const row = await db
      .insertInto('engage.users')
      .values({
        username,
        email: u.email === undefined ? username : u.email,
        given_name: u.givenName === undefined ? `Given${n}` : u.givenName,
        family_name: u.familyName === undefined ? `Family${n}` : u.familyName,
        mobile_phone: u.mobilePhone ?? null,
        work_phone: null,
        job_title: u.jobTitle ?? null,
        preferred_language: 'en',
        user_type: u.userType ?? 'regular',
        sso: u.sso ?? false,
        active: u.active ?? true,
        external_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (u.administers?.length) {
      await db
        .insertInto('engage.location_admins')
        .values(u.administers.map((location_id) => ({ user_id: row.id, location_id })))
        .execute();
    }
    ids.push(row.id);
  }
  return ids;
}

export const softDelete = (db: Kysely<EngageDatabase>, ids: number[]) =>
  db.updateTable('engage.users').set({ deleted_at: new Date() }).where('id', 'in', ids).execute();

export const setUserType = (db: Kysely<EngageDatabase>, ids: number[], userType: EngageUserType) =>
  db.updateTable('engage.users').set({ user_type: userType }).where('id', 'in', ids).execute();
