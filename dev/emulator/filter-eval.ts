/**
 * Evaluates parsed filters against resources exposed through a getter, and plans index
 * look-ups so `userName eq`, `externalId eq`, `id eq` (and e-mail) filters never scan.
 */
import type { AttrDef } from './catalog';
import type { AttrRef, CompareOp, FilterNode, Literal } from './filter';

/** Returns the value of a top-level attribute by its canonical name (elements: of a sub-attribute). */
export type AttrGetter = (name: string) => unknown;
export type Predicate = (get: AttrGetter) => boolean;

function valuesOf(get: AttrGetter, ref: AttrRef): unknown[] {
  const top = get(ref.attr.name);
  if (top === undefined || top === null) return [];
  const items = Array.isArray(top) ? top : [top];
  if (!ref.sub) return items;
  const sub = ref.sub.name;
  const out: unknown[] = [];
  for (const item of items) {
    const v = (item as Record<string, unknown> | null)?.[sub];
    if (v !== undefined && v !== null) out.push(v);
  }
  return out;
}

function isPresent(value: unknown): boolean {
  if (value === '' || value === undefined || value === null) return false;
  if (typeof value === 'object') return Object.values(value).some(isPresent);
  return true;
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

function compareOne(def: AttrDef, op: CompareOp, actual: unknown, expected: Literal): boolean {
  if (def.type === 'boolean') {
    const a = asBoolean(actual);
    return a !== undefined && a === asBoolean(expected);
  }
  if (def.type === 'dateTime') {
    const a = Date.parse(String(actual));
    const e = Date.parse(String(expected));
    return compareOrdered(op, a, e, String(actual), String(expected));
  }
  let a = String(actual);
  let e = String(expected);
  if (!def.caseExact) {
    a = a.toLowerCase();
    e = e.toLowerCase();
  }
  return compareOrdered(op, a, e, a, e);
}

function compareOrdered<T extends number | string>(
  op: CompareOp,
  a: T,
  e: T,
  as: string,
  es: string,
): boolean {
  switch (op) {
    case 'eq':
    case 'ne':
      return a === e;
    case 'co':
      return as.includes(es);
    case 'sw':
      return as.startsWith(es);
    case 'ew':
      return as.endsWith(es);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
}

function compileCompare(ref: AttrRef, op: CompareOp, value: Literal): Predicate {
  const def = ref.sub ?? ref.attr;
  if (value === null) {
    return op === 'eq' ? (get) => valuesOf(get, ref).length === 0 : (get) => valuesOf(get, ref).length > 0;
  }
  const matchOp: CompareOp = op === 'ne' ? 'eq' : op;
  const any = (get: AttrGetter) => valuesOf(get, ref).some((v) => compareOne(def, matchOp, v, value));
  // `ne` holds when no value equals (so an absent attribute is "not equal").
  return op === 'ne' ? (get) => !any(get) : any;
}

export function compileFilter(node: FilterNode): Predicate {
  switch (node.kind) {
    case 'and': {
      const l = compileFilter(node.left);
      const r = compileFilter(node.right);
      return (get) => l(get) && r(get);
    }
    case 'or': {
      const l = compileFilter(node.left);
      const r = compileFilter(node.right);
      return (get) => l(get) || r(get);
    }
    case 'not': {
      const e = compileFilter(node.expr);
      return (get) => !e(get);
    }
    case 'present':
      return (get) => valuesOf(get, node.ref).some(isPresent);
    case 'compare':
      return compileCompare(node.ref, node.op, node.value);
    case 'valuePath': {
      const inner = compileFilter(node.filter);
      const tail = node.tail;
      const tailPred: Predicate | undefined = tail
        ? tail.op === 'pr'
          ? (get) => isPresent(get(tail.sub.name))
          : compileCompare({ attr: tail.sub }, tail.op, tail.value)
        : undefined;
      const attrName = node.attr.name;
      return (get) => {
        const items = get(attrName);
        if (!Array.isArray(items)) return false;
        return items.some((item: Record<string, unknown>) => {
          const elementGet: AttrGetter = (name) => item[name];
          return inner(elementGet) && (!tailPred || tailPred(elementGet));
        });
      };
    }
  }
}

export interface IndexKey {
  index: string;
  value: string;
}

/** Names the index (if any) that serves an equality on this attribute, e.g. `userName`. */
export type IndexNamer = (attr: AttrDef, sub: AttrDef | undefined) => string | undefined;

/**
 * Returns the index look-ups whose union is a superset of the filter's matches, or undefined
 * when the filter needs a scan. The full predicate still runs on the candidates.
 */
export function planIndex(node: FilterNode, namer: IndexNamer): IndexKey[] | undefined {
  switch (node.kind) {
    case 'compare': {
      if (node.op !== 'eq' || typeof node.value !== 'string') return undefined;
      const index = namer(node.ref.attr, node.ref.sub);
      return index ? [{ index, value: node.value }] : undefined;
    }
    case 'valuePath': {
      const tail = node.tail;
      if (tail?.op !== 'eq' || typeof tail.value !== 'string') return undefined;
      const index = namer(node.attr, tail.sub);
      return index ? [{ index, value: tail.value }] : undefined;
    }
    case 'and':
      return planIndex(node.left, namer) ?? planIndex(node.right, namer);
    case 'or': {
      const l = planIndex(node.left, namer);
      const r = l && planIndex(node.right, namer);
      return l && r ? [...l, ...r] : undefined;
    }
    default:
      return undefined;
  }
}
