// A digest of the generated Engage data, timestamps excluded (they depend on when the generator ran),
// so two seeds can be compared for equality without dumping the tables.
import { type Kysely, sql } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';

export async function engageDigest(db: Kysely<EngageDatabase>): Promise<string> {
  const { rows } = await sql<{ digest: string }>`
    SELECT md5(
      coalesce((SELECT string_agg(row(id, name, address, city, postal_code, country, time_zone, active,
                                      deleted_at IS NULL)::text, E'\n' ORDER BY id) FROM engage.locations), '')
      || E'\n--\n' ||
      coalesce((SELECT string_agg(row(id, username, email, given_name, family_name, mobile_phone, work_phone,
                                      job_title, preferred_language, user_type, sso, active, external_id,
                                      custom_attributes, deleted_at IS NULL)::text, E'\n' ORDER BY id)
                FROM engage.users), '')
      || E'\n--\n' ||
      coalesce((SELECT string_agg(row(user_id, location_id)::text, E'\n' ORDER BY user_id, location_id)
                FROM engage.location_admins), '')
      || E'\n--\n' ||
      coalesce((SELECT string_agg(row(user_id, country)::text, E'\n' ORDER BY user_id, country)
                FROM engage.country_admins), '')
    ) AS digest`.execute(db);
  return rows[0]?.digest ?? '';
}
