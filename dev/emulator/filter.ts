/**
 * Parser for the RFC 7644 §3.4.2.2 filter grammar: eq ne co sw ew pr gt ge lt le, and / or / not,
 * parentheses and value paths `attr[subfilter]`, plus the Entra form `emails[type eq "work"].value eq
 * "x"`. Attribute names are resolved against a resource catalogue while parsing, so an unknown
 * attribute is an `invalidFilter` error before anything is evaluated.
 */
import type { AttrDef, ResourceCatalog } from './catalog';
import { findSubAttr, resolveTopAttr, splitSchemaPrefix } from './catalog';
import { badRequest } from './errors';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Literal = string | number | boolean | null;

/** A resolved attribute reference; `sub` set for `attr.sub`. Inside a value path, `attr` is the sub-attribute. */
export interface AttrRef {
  attr: AttrDef;
  sub?: AttrDef;
}

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'present'; ref: AttrRef }
  | { kind: 'compare'; ref: AttrRef; op: CompareOp; value: Literal }
  | {
      kind: 'valuePath';
      attr: AttrDef;
      filter: FilterNode;
      /** `attr[filter].sub op value` — the element must match `filter` and the tail. */
      tail?: { sub: AttrDef; op: CompareOp | 'pr'; value: Literal };
    };

type Token = { t: 'word'; v: string } | { t: 'str'; v: string } | { t: 'punct'; v: '(' | ')' | '[' | ']' };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
/** The Engage SCIM parser's caps (engage-scim/filter/parse.ts): deep nesting would overflow the stack. */
const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 50;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

const invalid = (detail: string) => badRequest('invalidFilter', detail);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ t: 'punct', v: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw invalid('Unterminated string in filter');
      try {
        tokens.push({ t: 'str', v: JSON.parse(text.slice(i, j + 1)) as string });
      } catch {
        throw invalid('Bad escape in filter string');
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !' \t\r\n()[]"'.includes(text[j]!)) j++;
      tokens.push({ t: 'word', v: text.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  /** Open parentheses, `not (` and value-path brackets around the current token. */
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly catalog: ResourceCatalog,
  ) {}

  parse(scope?: AttrDef): FilterNode {
    if (this.tokens.length === 0) throw invalid('Empty filter');
    const node = this.parseOr(scope);
    if (this.pos < this.tokens.length) throw invalid(`Unexpected "${this.tokens[this.pos]!.v}" in filter`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw invalid('Filter ends too early');
    return token;
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.t === 'word' && token.v.toLowerCase() === word;
  }

  private expectPunct(p: string): void {
    const token = this.next();
    if (token.t !== 'punct' || token.v !== p) throw invalid(`Expected "${p}" in filter, found "${token.v}"`);
  }

  private parseOr(scope: AttrDef | undefined): FilterNode {
    let left = this.parseAnd(scope);
    while (this.isWord(this.peek(), 'or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.parseAnd(scope) };
    }
    return left;
  }

  private parseAnd(scope: AttrDef | undefined): FilterNode {
    let left = this.parseUnary(scope);
    while (this.isWord(this.peek(), 'and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.parseUnary(scope) };
    }
    return left;
  }

  private parseUnary(scope: AttrDef | undefined): FilterNode {
    const token = this.peek();
    if (this.isWord(token, 'not')) {
      this.pos++;
      this.expectPunct('(');
      const expr = this.nested(() => this.parseOr(scope));
      this.expectPunct(')');
      return { kind: 'not', expr };
    }
    if (token?.t === 'punct' && token.v === '(') {
      this.pos++;
      const expr = this.nested(() => this.parseOr(scope));
      this.expectPunct(')');
      return expr;
    }
    return this.parseAttrExp(scope);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw invalid(`Filter nested too deeply (more than ${MAX_DEPTH} levels)`);
    const result = parse();
    this.depth--;
    return result;
  }

  private parseAttrExp(scope: AttrDef | undefined): FilterNode {
    const token = this.next();
    if (token.t !== 'word') throw invalid(`Expected an attribute in filter, found "${token.v}"`);
    const after = this.peek();
    if (after?.t === 'punct' && after.v === '[') {
      if (scope) throw invalid('Nested value paths are not allowed');
      return this.parseValuePath(token.v);
    }
    const ref = this.resolve(token.v, scope);
    return this.parseOperation(ref);
  }

  private parseValuePath(path: string): FilterNode {
    const ref = this.resolve(path, undefined, false);
    if (ref.sub || ref.attr.type !== 'complex' || !ref.attr.multiValued) {
      throw invalid(`"${path}" is not a multi-valued complex attribute`);
    }
    this.expectPunct('[');
    const filter = this.nested(() => this.parseOr(ref.attr));
    this.expectPunct(']');
    const tailToken = this.peek();
    if (tailToken?.t === 'word' && tailToken.v.startsWith('.')) {
      this.pos++;
      const sub = findSubAttr(ref.attr, tailToken.v.slice(1));
      if (!sub) throw invalid(`Unknown sub-attribute "${tailToken.v.slice(1)}" of ${ref.attr.name}`);
      const op = this.parseOperation({ attr: ref.attr, sub });
      if (op.kind === 'present')
        return { kind: 'valuePath', attr: ref.attr, filter, tail: { sub, op: 'pr', value: null } };
      if (op.kind !== 'compare') throw invalid('Bad value path');
      return { kind: 'valuePath', attr: ref.attr, filter, tail: { sub, op: op.op, value: op.value } };
    }
    return { kind: 'valuePath', attr: ref.attr, filter };
  }

  private parseOperation(ref: AttrRef): FilterNode {
    const opToken = this.next();
    const op = opToken.t === 'word' ? opToken.v.toLowerCase() : '';
    if (op === 'pr') return { kind: 'present', ref };
    if (!COMPARE_OPS.has(op)) throw invalid(`Unknown operator "${opToken.v}" in filter`);
    const value = this.parseLiteral();
    const target = ref.sub ?? ref.attr;
    checkComparable(target, op as CompareOp, value);
    return { kind: 'compare', ref, op: op as CompareOp, value };
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token.t === 'str') return token.v;
    if (token.t === 'punct') throw invalid(`Expected a value in filter, found "${token.v}"`);
    const lowered = token.v.toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
    if (lowered === 'null') return null;
    if (NUMBER.test(token.v)) return Number(token.v);
    // Tolerated: Entra's documented `externalId eq jyoung` sends the value unquoted.
    return token.v;
  }

  /** Resolves `attr`, `attr.sub` or a URN-qualified path; inside a value path, names are sub-attributes. */
  private resolve(path: string, scope: AttrDef | undefined, comparePrimary = true): AttrRef {
    if (scope) {
      const sub = findSubAttr(scope, path);
      if (!sub) throw invalid(`Unknown sub-attribute "${path}" of ${scope.name}`);
      return { attr: sub };
    }
    const split = splitSchemaPrefix(this.catalog, path);
    if (!split || split.rest === '') throw invalid(`Unknown attribute "${path}" in filter`);
    const [name, subName, ...extra] = split.rest.split('.');
    const top = name ? resolveTopAttr(this.catalog, split.schema, name) : undefined;
    if (!top || extra.length > 0) throw invalid(`Unknown attribute "${path}" in filter`);
    if (subName === undefined) {
      // A multi-valued complex attribute compares on its primary value (emails → emails.value).
      if (comparePrimary && top.def.type === 'complex' && top.def.primaryValue) {
        const sub = findSubAttr(top.def, top.def.primaryValue);
        if (sub) return { attr: top.def, sub };
      }
      return { attr: top.def };
    }
    const sub = findSubAttr(top.def, subName);
    if (!sub) throw invalid(`Unknown attribute "${path}" in filter`);
    return { attr: top.def, sub };
  }
}

function checkComparable(def: AttrDef, op: CompareOp, value: Literal): void {
  if (def.type === 'complex') throw invalid(`"${def.name}" is complex; compare one of its sub-attributes`);
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') throw invalid(`"${op}" cannot compare with null`);
    return;
  }
  if (def.type === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw invalid(`"${op}" is not defined for boolean "${def.name}"`);
    if (typeof value !== 'boolean' && !/^(true|false)$/i.test(String(value))) {
      throw invalid(`"${def.name}" is boolean; compare with true or false`);
    }
    return;
  }
  if (def.type === 'dateTime' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
    throw invalid(`"${def.name}" is a date-time; compare with an ISO 8601 string`);
  }
  if ((op === 'co' || op === 'sw' || op === 'ew') && typeof value !== 'string') {
    throw invalid(`"${op}" needs a string value`);
  }
}

function tokenizeCapped(text: string): Token[] {
  if (text.length > MAX_FILTER_LENGTH)
    throw invalid(`Filter too long (more than ${MAX_FILTER_LENGTH} characters)`);
  return tokenize(text);
}

export function parseFilter(catalog: ResourceCatalog, text: string): FilterNode {
  return new Parser(tokenizeCapped(text), catalog).parse();
}

/** Parses the `[...]` part of a PATCH path: names are sub-attributes of `scope`. */
export function parseValueFilter(catalog: ResourceCatalog, scope: AttrDef, text: string): FilterNode {
  return new Parser(tokenizeCapped(text), catalog).parse(scope);
}
