// Records a change to a user in the same transaction as the change itself (transactional outbox):
// the publisher delivers it to the user's provisioning workflow after commit.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';

export type ChangeKind = 'user_created' | 'user_updated' | 'user_deleted' | 'group_membership';

export async function recordChanges(
  trx: Transaction<EngageDatabase> | Kysely<EngageDatabase>,
  userIds: Iterable<number>,
  kind: ChangeKind,
): Promise<void> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return;
  // One array parameter: a group's membership change may touch more users than there are bind parameters.
  await sql`
    INSERT INTO ${sql.table('engage.change_outbox')} (engage_user_id, kind)
    SELECT unnest(${ids}::int[]), ${kind}`.execute(trx);
}
