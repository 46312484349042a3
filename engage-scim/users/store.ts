// Users in the Engage database: reads for SCIM, and writes that record an outbox row in the same
// transaction. Deletion is soft (deleted_at), as in Engage; it frees the userName.
import { type Kysely, type SqlBool, sql, type Transaction } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { notFound, ScimError } from '../errors';
import { compileFilter } from '../filter/sql';
import { type ListParams, sortExpression } from '../list-params';
import { recordChanges } from '../outbox';
import { userColumns as filterColumns } from './columns';
import { type UserRow, type UserState, userColumns, userStateFromRow } from './model';

type Db = Kysely<EngageDatabase>;

export const parseUserId = (id: string): number | undefined =>
  /^\d{1,10}$/.test(id) && Number(id) <= 2_147_483_647 ? Number(id) : undefined;

export async function getUser(db: Db | Transaction<EngageDatabase>, id: string, forUpdate = false) {
  const n = parseUserId(id);
  if (n === undefined) return undefined;
  let q = db.selectFrom('engage.users').selectAll().where('id', '=', n).where('deleted_at', 'is', null);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function listUsers(db: Db, p: ListParams): Promise<{ total: number; rows: UserRow[] }> {
  const where = p.filter ? compileFilter(p.filter, filterColumns) : sql<SqlBool>`true`;
  const base = db.selectFrom('engage.users as u').where('u.deleted_at', 'is', null).where(where);
  const { total } = await base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
  if (p.count === 0) return { total: Number(total), rows: [] };
  const order = p.descending ? sql`DESC NULLS LAST` : sql`ASC NULLS LAST`;
  let q = base.selectAll('u');
  if (p.sortBy) q = q.orderBy(sql`${sortExpression(filterColumns, p.sortBy)} ${order}`);
  // The id tie-break keeps pages stable.
  const rows = await q
    .orderBy('u.id')
    .offset(p.startIndex - 1)
    .limit(p.count)
    .execute();
  return { total: Number(total), rows };
}

async function assertUniqueUserName(trx: Transaction<EngageDatabase>, username: string, selfId?: number) {
  let q = trx
    .selectFrom('engage.users')
    .select('id')
    .where(sql<SqlBool>`lower(username) = lower(${username})`)
    .where('deleted_at', 'is', null);
  if (selfId !== undefined) q = q.where('id', '<>', selfId);
  if (await q.executeTakeFirst())
    throw new ScimError(409, `userName "${username}" is already taken`, 'uniqueness');
}

/** A concurrent insert can still hit the unique index between check and insert. */
function mapUniqueViolation(err: unknown, username: string): never {
  if ((err as { code?: string }).code === '23505') {
    throw new ScimError(409, `userName "${username}" is already taken`, 'uniqueness');
  }
  throw err;
}

export async function createUser(db: Db, state: UserState): Promise<UserRow> {
  try {
    return await db.transaction().execute(async (trx) => {
      await assertUniqueUserName(trx, state.username);
      const row = await trx
        .insertInto('engage.users')
        .values(userColumns(state))
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordChanges(trx, [row.id], 'user_created');
      return row;
    });
  } catch (err) {
    mapUniqueViolation(err, state.username);
  }
}

/** Locks the user, lets `next` compute (and check) the new state, writes it when it differs. */
export async function updateUser(
  db: Db,
  id: string,
  next: (row: UserRow) => UserState | Promise<UserState>,
): Promise<UserRow> {
  let username = '';
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await getUser(trx, id, true);
      if (!row) throw notFound(`User ${id}`);
      const state = await next(row);
      username = state.username;
      if (state.external_id !== row.external_id && row.external_id !== null) {
        throw new ScimError(400, 'externalId cannot be changed once set', 'mutability');
      }
      if (state.username.toLowerCase() !== row.username.toLowerCase()) {
        await assertUniqueUserName(trx, state.username, row.id);
      }
      // A no-op replacement (IdPs resend unchanged users) writes and publishes nothing.
      if (JSON.stringify(userStateFromRow(row)) === JSON.stringify(state)) return row;
      const updated = await trx
        .updateTable('engage.users')
        .set(userColumns(state))
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordChanges(trx, [row.id], 'user_updated');
      return updated;
    });
  } catch (err) {
    mapUniqueViolation(err, username);
  }
}

export async function deleteUser(db: Db, id: string, check: (row: UserRow) => void): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await getUser(trx, id, true);
    if (!row) throw notFound(`User ${id}`);
    check(row);
    await trx.deleteFrom('engage.group_members').where('user_id', '=', row.id).execute();
    await trx
      .updateTable('engage.users')
      .set({ deleted_at: new Date(), active: false })
      .where('id', '=', row.id)
      .execute();
    await recordChanges(trx, [row.id], 'user_deleted');
  });
}
