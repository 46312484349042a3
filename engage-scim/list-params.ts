// Query parameters of a list or .search request (RFC 7644 §3.4.2), validated and bounded.
import { type RawBuilder, sql } from 'kysely';
import { badRequest } from './errors';
import type { Filter } from './filter/ast';
import { type ColumnMap, resolvePath } from './filter/columns';
import { parseFilter } from './filter/parse';

export interface ListParams {
  filter?: Filter;
  sortBy?: string;
  descending: boolean;
  startIndex: number;
  count: number;
  attributes: string[];
  excludedAttributes: string[];
}

const csv = (v: string | undefined | null): string[] =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

function int(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  if (!/^-?\d{1,12}$/.test(v.trim())) throw badRequest(`${name} must be an integer`, 'invalidValue');
  return Number(v);
}

/** From a query string or a POST /.search body (same names). */
export function parseListParams(get: (name: string) => string | undefined, maxResults: number): ListParams {
  const filterText = get('filter');
  const sortOrder = (get('sortOrder') ?? 'ascending').toLowerCase();
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw badRequest('sortOrder must be ascending or descending', 'invalidValue');
  }
  // Out-of-range values are clamped as RFC 7644 §3.4.2.4 says, not refused.
  const startIndex = Math.max(1, int('startIndex', get('startIndex'), 1));
  const count = Math.min(maxResults, Math.max(0, int('count', get('count'), maxResults)));
  return {
    filter: filterText !== undefined && filterText.trim() !== '' ? parseFilter(filterText) : undefined,
    sortBy: get('sortBy')?.trim() || undefined,
    descending: sortOrder === 'descending',
    startIndex,
    count,
    attributes: csv(get('attributes')),
    excludedAttributes: csv(get('excludedAttributes')),
  };
}

/** The whitelisted SQL expression behind a sortBy path; anything else is refused. */
export function sortExpression(map: ColumnMap, sortBy: string): RawBuilder<unknown> {
  const r = resolvePath(map, sortBy);
  const column = r && 'column' in r ? r.column : r && map.columns.get(`${sortBy.toLowerCase()}.value`);
  if (column?.kind !== 'scalar' || column.sortable === false) {
    throw badRequest(`cannot sort by "${sortBy}"`, 'invalidValue');
  }
  return column.caseExact || column.type !== 'string' ? column.expr : sql`lower(${column.expr})`;
}
