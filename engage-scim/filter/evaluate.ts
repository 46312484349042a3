// In-memory evaluation of a filter against one value of a multi-valued attribute (PATCH value paths
// such as emails[type eq "work"]). Strings compare case-insensitively: "Work" matches "work".
import { badRequest } from '../errors';
import type { Filter, Literal } from './ast';

type Obj = Record<string, unknown>;

const get = (o: Obj, name: string): unknown => {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
};

const norm = (v: unknown): unknown => {
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    return l === 'true' ? true : l === 'false' ? false : l;
  }
  return v;
};

function cmp(actual: unknown, op: string, value: Literal): boolean {
  const a = norm(actual);
  const b = norm(value);
  if (op === 'eq') return a === b || (a === undefined && b === null);
  if (op === 'ne') return !(a === b || (a === undefined && b === null));
  if (a === undefined || a === null) return false;
  const as = String(a);
  const bs = String(b);
  switch (op) {
    case 'co':
      return as.includes(bs);
    case 'sw':
      return as.startsWith(bs);
    case 'ew':
      return as.endsWith(bs);
    case 'gt':
      return as > bs;
    case 'ge':
      return as >= bs;
    case 'lt':
      return as < bs;
    case 'le':
      return as <= bs;
  }
  return false;
}

export function matches(filter: Filter, element: unknown): boolean {
  const o: Obj = element !== null && typeof element === 'object' ? (element as Obj) : { value: element };
  switch (filter.kind) {
    case 'and':
      return matches(filter.left, o) && matches(filter.right, o);
    case 'or':
      return matches(filter.left, o) || matches(filter.right, o);
    case 'not':
      return !matches(filter.filter, o);
    case 'present': {
      const v = get(o, filter.path);
      return v !== undefined && v !== null && v !== '';
    }
    case 'compare':
      return cmp(get(o, filter.path), filter.op, filter.value);
    case 'valuePath':
      throw badRequest('nested value paths are not supported', 'invalidPath');
  }
}

/** The sub-attribute values a filter pins with `eq` (type eq "work" → {type: "work"}), to create a missing value. */
export function pinnedValues(filter: Filter): Obj | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq') return { [filter.path]: filter.value };
  if (filter.kind === 'and') {
    const l = pinnedValues(filter.left);
    const r = pinnedValues(filter.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}
