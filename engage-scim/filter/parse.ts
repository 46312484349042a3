// Recursive-descent parser for SCIM filters. Precedence: not > and > or; keywords and operators are
// case-insensitive. Tolerates unquoted string values (Entra: `externalId eq jyoung`).
import { badRequest } from '../errors';
import { COMPARE_OPS, type CompareOp, type Filter, type Literal } from './ast';

type Token = { t: 'str'; v: string } | { t: 'word'; v: string } | { t: '(' | ')' | '[' | ']' };

const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 50;

const invalid = (detail: string) => badRequest(`invalid filter: ${detail}`, 'invalidFilter');

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ t: c });
      i++;
    } else if (c === '"') {
      // JSON string rules, so \" and \\ escapes mean what they say.
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
      if (j >= input.length) throw invalid('unterminated string');
      try {
        out.push({ t: 'str', v: JSON.parse(input.slice(i, j + 1)) as string });
      } catch {
        throw invalid('bad escape in string');
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < input.length && !/[\s()[\]"]/.test(input[j]!)) j++;
      out.push({ t: 'word', v: input.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const ATTR_PATH = /^(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/i;

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Filter {
    const f = this.or(0);
    if (this.pos < this.tokens.length) throw invalid('unexpected input after the end of the expression');
    return f;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw invalid('unexpected end');
    return t;
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.v.toLowerCase() === w;
  }
  private expect(t: ')' | ']') {
    if (this.next().t !== t) throw invalid(`expected "${t}"`);
  }

  private or(depth: number): Filter {
    let left = this.and(depth);
    while (this.isWord('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and(depth) };
    }
    return left;
  }

  private and(depth: number): Filter {
    let left = this.unary(depth);
    while (this.isWord('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.unary(depth) };
    }
    return left;
  }

  private unary(depth: number): Filter {
    if (depth > MAX_DEPTH) throw invalid('nested too deeply');
    if (this.isWord('not')) {
      this.pos++;
      return { kind: 'not', filter: this.unary(depth + 1) };
    }
    const t = this.peek();
    if (t?.t === '(') {
      this.pos++;
      const f = this.or(depth + 1);
      this.expect(')');
      return f;
    }
    return this.attrExpr(depth);
  }

  private attrPath(): string {
    const t = this.next();
    if (t.t !== 'word' || !ATTR_PATH.test(t.v)) throw invalid('expected an attribute name');
    return t.v;
  }

  private attrExpr(depth: number): Filter {
    const path = this.attrPath();
    if (this.peek()?.t === '[') {
      this.pos++;
      const inner = this.or(depth + 1);
      this.expect(']');
      // `emails[type eq "work"].value eq "x"`: the tokenizer glued ".value" into one word.
      const t = this.peek();
      if (t?.t === 'word' && t.v.startsWith('.')) {
        this.pos++;
        const sub = t.v.slice(1);
        if (!/^[A-Za-z$][\w$-]*$/.test(sub)) throw invalid('bad sub-attribute after "]"');
        const { op, value } = this.operator();
        return { kind: 'valuePath', path, filter: inner, tail: { sub, op, value } };
      }
      return { kind: 'valuePath', path, filter: inner };
    }
    const { op, value } = this.operator();
    return op === 'pr' ? { kind: 'present', path } : { kind: 'compare', path, op, value };
  }

  private operator(): { op: CompareOp | 'pr'; value: Literal } {
    const t = this.next();
    const op = t.t === 'word' ? t.v.toLowerCase() : '';
    if (op === 'pr') return { op, value: null };
    if (!COMPARE_OPS.has(op)) throw invalid('expected an operator (eq ne co sw ew gt ge lt le pr)');
    return { op: op as CompareOp, value: this.value() };
  }

  private value(): Literal {
    const t = this.next();
    if (t.t === 'str') return t.v;
    if (t.t !== 'word') throw invalid('expected a value');
    const lower = t.v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t.v)) return Number(t.v);
    // Unquoted word: accepted as a string, as Entra ID sends `externalId eq jyoung`.
    return t.v;
  }
}

export function parseFilter(input: string): Filter {
  if (input.length > MAX_FILTER_LENGTH) throw invalid('too long');
  // PostgreSQL refuses NUL in a text parameter: refused here, not as a 500 there.
  if (input.includes('\u0000')) throw invalid('contains a NUL character (U+0000)');
  const tokens = tokenize(input);
  if (tokens.length === 0) throw invalid('empty');
  return new Parser(tokens).parse();
}
