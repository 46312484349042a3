// Counts of the Engage data, for `npm run engage -- stats` and for benchmarks to log what they ran on.
import { type Kysely, sql } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';

export interface EngageStats {
  users: { total: number; active: number; inactive: number; deleted: number; byType: Record<string, number> };
  locations: { total: number; active: number; inactive: number; deleted: number };
  locationAdminLinks: number;
  countryAdminLinks: number;
}

export async function engageStats(db: Kysely<EngageDatabase>): Promise<EngageStats> {
  // byType counts non-deleted users, as Engage's admin screens do.
  const users = await sql<{ user_type: string; active: number; inactive: number; deleted: number }>`
    SELECT user_type,
           count(*) FILTER (WHERE deleted_at IS NULL AND active)::int AS active,
           count(*) FILTER (WHERE deleted_at IS NULL AND NOT active)::int AS inactive,
           count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted
    FROM engage.users GROUP BY user_type ORDER BY user_type`.execute(db);
  const locations = await sql<{ active: number; inactive: number; deleted: number }>`
    SELECT count(*) FILTER (WHERE deleted_at IS NULL AND active)::int AS active,
           count(*) FILTER (WHERE deleted_at IS NULL AND NOT active)::int AS inactive,
           count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted
    FROM engage.locations`.execute(db);
  const links = await sql<{ n: number }>`SELECT count(*)::int AS n FROM engage.location_admins`.execute(db);
  const countryLinks = await sql<{ n: number }>`SELECT count(*)::int AS n FROM engage.country_admins`.execute(
    db,
  );
  const sum = (k: 'active' | 'inactive' | 'deleted') => users.rows.reduce((s, r) => s + r[k], 0);
  const l = locations.rows[0] ?? { active: 0, inactive: 0, deleted: 0 };
  return {
    users: {
      total: sum('active') + sum('inactive') + sum('deleted'),
      active: sum('active'),
      inactive: sum('inactive'),
      deleted: sum('deleted'),
      byType: Object.fromEntries(users.rows.map((r) => [r.user_type, r.active + r.inactive])),
    },
    locations: { total: l.active + l.inactive + l.deleted, ...l },
    locationAdminLinks: links.rows[0]?.n ?? 0,
    countryAdminLinks: countryLinks.rows[0]?.n ?? 0,
  };
}
