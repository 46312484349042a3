// Records a change to a user in the same transaction as the change itself (transactional outbox):
// the publisher delivers it to the user's provisioning workflow after commit.
import type { Kysely, Transaction } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';

export type ChangeKind = 'user_created' | 'user_updated' | 'user_deleted' | 'group_membership';

export async function recordChanges(
  trx: Transaction<EngageDatabase> | Kysely<EngageDatabase>,
  userIds: Iterable<number>,
  kind: ChangeKind,
): Promise<void> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return;
  await trx
    .insertInto('engage.change_outbox')
    .values(ids.map((engage_user_id) => ({ engage_user_id, kind })))
    .execute();
}
