// The group attributes a filter or sortBy may name. Table alias: g.
import { type SqlBool, sql } from 'kysely';
import { type Column, type ColumnMap, scalar } from '../filter/columns';
import { GROUP_SCHEMA } from '../schemas';

const col = (name: string) => sql.ref(`g.${name}`);

const entries: Record<string, Column> = {
  id: scalar('uuid', col('id')),
  externalid: scalar('string', col('external_id')),
  displayname: scalar('string', col('display_name'), false),
  'meta.created': scalar('dateTime', col('created_at')),
  'meta.lastmodified': scalar('dateTime', col('updated_at')),
  members: {
    kind: 'multi',
    any(build) {
      const sub = (n: string) =>
        n === 'value'
          ? scalar('string', sql`gm.user_id::text`)
          : n === 'display'
            ? scalar('string', sql.ref('mu.username'), false)
            : n === 'type'
              ? scalar('string', sql`'User'::text`)
              : undefined;
      return sql<SqlBool>`EXISTS (SELECT 1 FROM ${sql.table('engage.group_members')} gm JOIN ${sql.table('engage.users')} mu ON mu.id = gm.user_id
        WHERE gm.group_id = g.id AND ${build(sub)})`;
    },
  },
};

const map = new Map<string, Column>();
for (const [k, v] of Object.entries(entries)) {
  map.set(k, v);
  map.set(`${GROUP_SCHEMA.toLowerCase()}:${k}`, v);
}
export const groupColumns: ColumnMap = { columns: map };
