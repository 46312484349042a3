// Groups and memberships in the Engage database. Every membership change records an outbox row per
// affected user in the same transaction.
import { type Kysely, type SqlBool, sql, type Transaction } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { badRequest, notFound } from '../errors';
import { compileFilter } from '../filter/sql';
import { type ListParams, sortExpression } from '../list-params';
import { recordChanges } from '../outbox';
import { parseUserId } from '../users/store';
import { groupColumns } from './columns';
import type { GroupState, GroupView } from './model';

type Db = Kysely<EngageDatabase> | Transaction<EngageDatabase>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGroupId = (id: string) => UUID.test(id);

async function membersOf(db: Db, groupIds: string[]) {
  if (groupIds.length === 0) return new Map<string, { id: number; username: string }[]>();
  const rows = await db
    .selectFrom('engage.group_members as gm')
    .innerJoin('engage.users as u', 'u.id', 'gm.user_id')
    .select(['gm.group_id', 'u.id', 'u.username'])
    .where('gm.group_id', '=', sql<string>`any(${groupIds}::uuid[])`)
    .orderBy('u.id')
    .execute();
  const out = new Map<string, { id: number; username: string }[]>();
  for (const r of rows) {
    const list = out.get(r.group_id) ?? [];
    list.push({ id: r.id, username: r.username });
    out.set(r.group_id, list);
  }
  return out;
}

export async function getGroup(db: Db, id: string, forUpdate = false): Promise<GroupView | undefined> {
  if (!isGroupId(id)) return undefined;
  let q = db.selectFrom('engage.groups').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) return undefined;
  return { ...row, members: (await membersOf(db, [row.id])).get(row.id) ?? [] };
}

export async function listGroups(
  db: Kysely<EngageDatabase>,
  p: ListParams,
  withMembers: boolean,
): Promise<{ total: number; groups: GroupView[] }> {
  const where = p.filter ? compileFilter(p.filter, groupColumns) : sql<SqlBool>`true`;
  const base = db.selectFrom('engage.groups as g').where(where);
  const { total } = await base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
  if (p.count === 0) return { total: Number(total), groups: [] };
  let q = base.selectAll('g');
  const order = p.descending ? sql`DESC NULLS LAST` : sql`ASC NULLS LAST`;
  if (p.sortBy) q = q.orderBy(sql`${sortExpression(groupColumns, p.sortBy)} ${order}`);
  const rows = await q
    .orderBy('g.created_at')
    .orderBy('g.id')
    .offset(p.startIndex - 1)
    .limit(p.count)
    .execute();
  const members = withMembers
    ? await membersOf(
        db,
        rows.map((r) => r.id),
      )
    : new Map();
  return { total: Number(total), groups: rows.map((r) => ({ ...r, members: members.get(r.id) ?? [] })) };
}

/**
 * Member references → user ids. A group as a member is refused (no nested groups); ids of users that
 * do not exist are skipped, as Engage maps only "members who exist in Engage". Ids travel as one
 * array parameter each: a group may have more members than PostgreSQL has bind parameters (65,535).
 */
async function resolveMembers(
  trx: Transaction<EngageDatabase>,
  refs: GroupState['members'],
): Promise<number[]> {
  const candidates = new Set<number>();
  const maybeGroups: string[] = [];
  for (const m of refs) {
    if (m.type?.toLowerCase() === 'group' || /\/Groups\//i.test(m.ref ?? '')) throw nested(m.value);
    // A bare UUID is a group id if such a group exists; otherwise it names nobody and is skipped.
    if (isGroupId(m.value)) maybeGroups.push(m.value);
    const id = parseUserId(m.value);
    if (id !== undefined) candidates.add(id);
  }
  if (maybeGroups.length > 0) {
    const group = await trx
      .selectFrom('engage.groups')
      .select('id')
      .where('id', '=', sql<string>`any(${maybeGroups}::uuid[])`)
      .executeTakeFirst();
    if (group) throw nested(group.id);
  }
  if (candidates.size === 0) return [];
  const rows = await trx
    .selectFrom('engage.users')
    .select('id')
    .where('id', '=', sql<number>`any(${[...candidates]}::int[])`)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

const nested = (value: string) =>
  badRequest(`member ${value} is a group: nested groups are not supported`, 'invalidValue');

async function setMembers(
  trx: Transaction<EngageDatabase>,
  groupId: string,
  next: number[],
  current: number[],
) {
  const cur = new Set(current);
  const nxt = new Set(next);
  const added = next.filter((id) => !cur.has(id));
  const removed = current.filter((id) => !nxt.has(id));
  if (added.length) {
    await sql`
      INSERT INTO ${sql.table('engage.group_members')} (group_id, user_id)
      SELECT ${groupId}::uuid, unnest(${added}::int[])`.execute(trx);
  }
  if (removed.length) {
    await trx
      .deleteFrom('engage.group_members')
      .where('group_id', '=', groupId)
      .where('user_id', '=', sql<number>`any(${removed}::int[])`)
      .execute();
  }
  await recordChanges(trx, [...added, ...removed], 'group_membership');
  return added.length + removed.length > 0;
}

export async function createGroup(db: Kysely<EngageDatabase>, state: GroupState): Promise<GroupView> {
  return db.transaction().execute(async (trx) => {
    const members = await resolveMembers(trx, state.members);
    const row = await trx
      .insertInto('engage.groups')
      .values({ display_name: state.display_name, external_id: state.external_id })
      .returningAll()
      .executeTakeFirstOrThrow();
    await setMembers(trx, row.id, members, []);
    return (await getGroup(trx, row.id))!;
  });
}

export async function updateGroup(
  db: Kysely<EngageDatabase>,
  id: string,
  next: (current: GroupView) => GroupState | Promise<GroupState>,
): Promise<GroupView> {
  return db.transaction().execute(async (trx) => {
    const current = await getGroup(trx, id, true);
    if (!current) throw notFound(`Group ${id}`);
    const state = await next(current);
    const members = await resolveMembers(trx, state.members);
    const changed = await setMembers(
      trx,
      id,
      members,
      current.members.map((m) => m.id),
    );
    await trx
      .updateTable('engage.groups')
      .set({
        display_name: state.display_name,
        external_id: state.external_id,
        ...(changed ? { updated_at: sql`now()` } : {}),
      })
      .where('id', '=', id)
      .execute();
    return (await getGroup(trx, id))!;
  });
}

export async function deleteGroup(
  db: Kysely<EngageDatabase>,
  id: string,
  check: (current: GroupView) => void,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await getGroup(trx, id, true);
    if (!current) throw notFound(`Group ${id}`);
    check(current);
    await trx.deleteFrom('engage.groups').where('id', '=', id).execute();
    await recordChanges(
      trx,
      current.members.map((m) => m.id),
      'group_membership',
    );
  });
}
