// The filter AST (RFC 7644 §3.4.2.2). Attribute paths are kept as written; resolution against a
// resource's whitelist happens when compiling or evaluating.
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Literal = string | number | boolean | null;

export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'compare'; path: string; op: CompareOp; value: Literal }
  | { kind: 'present'; path: string }
  /** attr[filter], optionally followed by `.sub op value` / `.sub pr` (Entra sends those). */
  | {
      kind: 'valuePath';
      path: string;
      filter: Filter;
      tail?: { sub: string; op: CompareOp | 'pr'; value: Literal };
    };

export const COMPARE_OPS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
]);
