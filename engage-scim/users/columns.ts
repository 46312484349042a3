// The user attributes a filter or sortBy may name, and the SQL each one means. Table alias: u.
import { type SqlBool, sql } from 'kysely';
import { type Column, type ColumnMap, type MultiColumn, type ScalarColumn, scalar } from '../filter/columns';
import { ENGAGE_SCHEMA, ENTERPRISE_SCHEMA, USER_SCHEMA } from '../schemas';

const col = (name: string) => sql.ref(`u.${name}`);
const lit = (v: string | boolean): ScalarColumn =>
  scalar(
    typeof v === 'boolean' ? 'boolean' : 'string',
    typeof v === 'boolean' ? sql`${v}` : sql`${v}::text`,
    false,
    false,
  );

/** A multi-valued attribute backed by one column per value: any value that exists and matches. */
function virtualMulti(
  values: { exists: ReturnType<typeof col>; subs: Record<string, ScalarColumn> }[],
): MultiColumn {
  return {
    kind: 'multi',
    any(build) {
      const parts = values.map((v) => sql<SqlBool>`(${v.exists} IS NOT NULL AND ${build((n) => v.subs[n])})`);
      return sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
    },
  };
}

const emails = virtualMulti([
  {
    exists: col('email'),
    subs: { value: scalar('string', col('email'), false), type: lit('work'), primary: lit(true) },
  },
]);

const phoneNumbers = virtualMulti([
  {
    exists: col('mobile_phone'),
    subs: { value: scalar('string', col('mobile_phone')), type: lit('mobile') },
  },
  { exists: col('work_phone'), subs: { value: scalar('string', col('work_phone')), type: lit('work') } },
]);

const customAttributes: MultiColumn = {
  kind: 'multi',
  any(build) {
    const sub = (n: string) =>
      n === 'name'
        ? scalar('string', sql.ref('ca.key'))
        : n === 'value'
          ? scalar('string', sql.ref('ca.value'))
          : undefined;
    return sql<SqlBool>`EXISTS (SELECT 1 FROM jsonb_each_text(u.custom_attributes) AS ca WHERE ${build(sub)})`;
  },
};

const core: Record<string, Column> = {
  id: scalar('int', col('id')),
  externalid: scalar('string', col('external_id')),
  username: scalar('string', col('username'), false),
  'name.givenname': scalar('string', col('given_name'), false),
  'name.familyname': scalar('string', col('family_name'), false),
  'name.formatted': scalar('string', sql`nullif(concat_ws(' ', u.given_name, u.family_name), '')`, false),
  displayname: scalar('string', col('display_name'), false),
  title: scalar('string', col('job_title'), false),
  preferredlanguage: scalar('string', col('preferred_language'), false),
  active: scalar('boolean', col('active')),
  emails,
  phonenumbers: phoneNumbers,
  'meta.created': scalar('dateTime', col('created_at')),
  'meta.lastmodified': scalar('dateTime', col('updated_at')),
};
const enterprise: Record<string, Column> = {
  department: scalar('string', col('department'), false),
  costcenter: scalar('string', col('cost_center'), false),
  employeenumber: scalar('string', col('employee_number')),
};
const engage: Record<string, Column> = {
  usertype: scalar('string', col('user_type')),
  sso: scalar('boolean', col('sso')),
  customattributes: customAttributes,
};

function build(): Map<string, Column> {
  const m = new Map<string, Column>();
  const add = (urn: string, entries: Record<string, Column>, alsoBare: boolean) => {
    for (const [k, v] of Object.entries(entries)) {
      m.set(`${urn.toLowerCase()}:${k}`, v);
      if (alsoBare) m.set(k, v);
    }
  };
  add(USER_SCHEMA, core, true);
  add(ENTERPRISE_SCHEMA, enterprise, true);
  add(ENGAGE_SCHEMA, engage, true);
  // emails.value etc. are sortable: sort on the column behind the single stored value.
  m.set('emails.value', scalar('string', col('email'), false));
  return m;
}

export const userColumns: ColumnMap = { columns: build() };
