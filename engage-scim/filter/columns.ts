// What a filter or sort may reference: a whitelist from SCIM attribute paths to SQL expressions.
// Nothing outside this map can reach SQL; values always travel as bind parameters.
import type { RawBuilder, SqlBool } from 'kysely';

export type ScalarType = 'string' | 'boolean' | 'dateTime' | 'int' | 'uuid';

export interface ScalarColumn {
  kind: 'scalar';
  type: ScalarType;
  expr: RawBuilder<unknown>;
  /** false → compared through lower() (userName, e-mails, names). */
  caseExact: boolean;
  /** May appear in sortBy. */
  sortable?: boolean;
}

/** A multi-valued attribute: true when any of its values satisfies the condition built over its sub-attributes. */
export interface MultiColumn {
  kind: 'multi';
  any(build: (sub: (name: string) => ScalarColumn | undefined) => RawBuilder<SqlBool>): RawBuilder<SqlBool>;
}

export type Column = ScalarColumn | MultiColumn;

export interface ColumnMap {
  /** Keys lower-case: "username", "name.givenname", "urn:…:user:department", "department". */
  columns: { get(key: string): Column | undefined };
}

export const scalar = (
  type: ScalarType,
  expr: RawBuilder<unknown>,
  caseExact = true,
  sortable = true,
): ScalarColumn => ({ kind: 'scalar', type, expr, caseExact, sortable });

/** Resolves a path: a scalar, a multi-valued attribute (its `value` implied), or attr.sub of one. */
export function resolvePath(
  map: ColumnMap,
  path: string,
): { column: ScalarColumn } | { multi: MultiColumn; sub: string } | undefined {
  const lower = path.toLowerCase();
  const direct = map.columns.get(lower);
  if (direct?.kind === 'scalar') return { column: direct };
  if (direct?.kind === 'multi') return { multi: direct, sub: 'value' };
  const dot = lower.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const parent = map.columns.get(lower.slice(0, dot));
  if (parent?.kind === 'multi') return { multi: parent, sub: lower.slice(dot + 1) };
  return undefined;
}
