// Compiles a filter AST to a parameterised SQL boolean over a column whitelist. Every comparison is
// wrapped in coalesce(…, false) so that `not` behaves with NULLs as SCIM expects.
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { badRequest } from '../errors';
import type { CompareOp, Filter, Literal } from './ast';
import { type ColumnMap, resolvePath, type ScalarColumn } from './columns';

const invalid = (detail: string) => badRequest(`invalid filter: ${detail}`, 'invalidFilter');
const FALSE = sql<SqlBool>`false`;
const TRUE = sql<SqlBool>`true`;

export function compileFilter(filter: Filter, map: ColumnMap): RawBuilder<SqlBool> {
  switch (filter.kind) {
    case 'and':
      return sql<SqlBool>`(${compileFilter(filter.left, map)} AND ${compileFilter(filter.right, map)})`;
    case 'or':
      return sql<SqlBool>`(${compileFilter(filter.left, map)} OR ${compileFilter(filter.right, map)})`;
    case 'not':
      return sql<SqlBool>`(NOT ${compileFilter(filter.filter, map)})`;
    case 'present':
    case 'compare': {
      const r = resolvePath(map, filter.path);
      if (!r) throw invalid(`unknown attribute "${filter.path}"`);
      const op = filter.kind === 'present' ? 'pr' : filter.op;
      const value = filter.kind === 'present' ? null : filter.value;
      if ('column' in r) return compare(r.column, op, value);
      return r.multi.any((sub) => compare(subColumn(sub, r.sub, filter.path), op, value));
    }
    case 'valuePath': {
      const r = resolvePath(map, filter.path);
      if (!r || 'column' in r) throw invalid(`"${filter.path}" is not a multi-valued attribute`);
      return r.multi.any((sub) => {
        const inner = compileFilter(filter.filter, { columns: subMap(sub) });
        if (!filter.tail) return inner;
        const tail = compare(subColumn(sub, filter.tail.sub, filter.path), filter.tail.op, filter.tail.value);
        return sql<SqlBool>`(${inner} AND ${tail})`;
      });
    }
  }
}

function subColumn(sub: (n: string) => ScalarColumn | undefined, name: string, path: string): ScalarColumn {
  const c = sub(name.toLowerCase());
  if (!c) throw invalid(`unknown sub-attribute "${name}" of "${path}"`);
  return c;
}

/** Inside `attr[...]` only the sub-attributes are visible. */
const subMap = (sub: (n: string) => ScalarColumn | undefined) => ({ get: (k: string) => sub(k) });

function compare(col: ScalarColumn, op: CompareOp | 'pr', value: Literal): RawBuilder<SqlBool> {
  const e = col.expr;
  if (op === 'pr') {
    return col.type === 'string'
      ? sql<SqlBool>`coalesce(${e} <> '', false)`
      : sql<SqlBool>`(${e} IS NOT NULL)`;
  }
  if (value === null) {
    if (op === 'eq') return sql<SqlBool>`(${e} IS NULL)`;
    if (op === 'ne') return sql<SqlBool>`(${e} IS NOT NULL)`;
    throw invalid(`"${op}" cannot compare with null`);
  }
  switch (col.type) {
    case 'boolean': {
      const b = typeof value === 'boolean' ? value : String(value).toLowerCase();
      if (b !== true && b !== false && b !== 'true' && b !== 'false') throw invalid('expected true or false');
      const p = b === true || b === 'true';
      if (op === 'eq') return sql<SqlBool>`coalesce(${e} = ${p}, false)`;
      if (op === 'ne') return sql<SqlBool>`(NOT coalesce(${e} = ${p}, false))`;
      throw invalid(`"${op}" is not defined for booleans`);
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') throw invalid(`"${op}" is not defined for dates`);
      return ordered(e, op, sql`${filterDate(value)}::timestamptz`);
    }
    case 'int': {
      const s = String(value);
      const n = /^\d{1,10}$/.test(s) ? Number(s) : Number.NaN;
      if ((op === 'eq' || op === 'ne') && !(n <= 2_147_483_647)) return op === 'eq' ? FALSE : TRUE;
      if (op === 'eq' || op === 'ne' || op === 'gt' || op === 'ge' || op === 'lt' || op === 'le') {
        if (Number.isNaN(n)) throw invalid('expected an integer id');
        // bigint: an id beyond the integer range compares instead of failing in PostgreSQL.
        return ordered(e, op, sql`${n}::bigint`);
      }
      return text(sql`${e}::text`, op, s);
    }
    case 'uuid':
      return text(sql`${e}::text`, op, String(value).toLowerCase());
    case 'string':
      return col.caseExact
        ? text(e, op, String(value))
        : text(sql`lower(${e})`, op, String(value).toLowerCase());
  }
}

// RFC 3339 date-times (SCIM's dateTime), a date alone allowed. Sent to PostgreSQL as a UTC ISO
// string (never a Date, which the driver formats with the local offset), so only instants in the
// years 0001–9999 UTC: well inside timestamptz (4713 BC … 294276 AD); outside it is a 400, not a 500.
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/;
const MIN_DATE = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_DATE = Date.parse('9999-12-31T23:59:59.999Z');

function filterDate(value: Literal): string {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) throw invalid('expected an ISO 8601 date');
  const t = new Date(value).getTime();
  if (Number.isNaN(t)) throw invalid('expected an ISO 8601 date');
  if (t < MIN_DATE || t > MAX_DATE) throw invalid('dates must lie between the years 0001 and 9999 (UTC)');
  return new Date(t).toISOString();
}

function ordered(e: RawBuilder<unknown>, op: CompareOp, p: RawBuilder<unknown>): RawBuilder<SqlBool> {
  switch (op) {
    case 'eq':
      return sql<SqlBool>`coalesce(${e} = ${p}, false)`;
    case 'ne':
      return sql<SqlBool>`(NOT coalesce(${e} = ${p}, false))`;
    case 'gt':
      return sql<SqlBool>`coalesce(${e} > ${p}, false)`;
    case 'ge':
      return sql<SqlBool>`coalesce(${e} >= ${p}, false)`;
    case 'lt':
      return sql<SqlBool>`coalesce(${e} < ${p}, false)`;
    case 'le':
      return sql<SqlBool>`coalesce(${e} <= ${p}, false)`;
    default:
      throw invalid(`"${op}" is not defined here`);
  }
}

/** String comparisons without LIKE, so % and _ in values are plain characters. */
function text(e: RawBuilder<unknown>, op: CompareOp, v: string): RawBuilder<SqlBool> {
  const p = sql`${v}::text`;
  switch (op) {
    case 'co':
      return sql<SqlBool>`coalesce(strpos(${e}, ${p}) > 0, false)`;
    case 'sw':
      return sql<SqlBool>`coalesce(left(${e}, length(${p})) = ${p}, false)`;
    case 'ew':
      return sql<SqlBool>`coalesce(right(${e}, length(${p})) = ${p}, false)`;
    default:
      return ordered(e, op, p);
  }
}
