// Checks a parsed JSON body, once, for what the rest of the server cannot take: PostgreSQL refuses
// NUL (U+0000) in text and jsonb, and the handlers walk bodies recursively (bulkId substitution,
// PATCH, zod), so a body nested thousands deep would overflow the stack. Iterative, so the check
// itself cannot overflow on the 1 MiB body that nests 500,000 deep.
import { badRequest } from './errors';

/** SCIM bodies nest about ten deep (a bulk operation's PatchOp value's e-mails); far above it. */
export const MAX_JSON_DEPTH = 64;

interface Frame {
  value: unknown;
  depth: number;
  key?: string;
  parent?: Frame;
}

/** The attribute path of a frame, for the error ("Operations.0.data.name.givenName"). */
const pathOf = (f: Frame | undefined): string => {
  const keys: string[] = [];
  for (let x = f; x?.key !== undefined; x = x.parent) keys.push(x.key);
  const path = keys.reverse().join('.') || 'the body';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
};

export function assertStorableJson(body: unknown): void {
  const stack: Frame[] = [{ value: body, depth: 0 }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) {
        throw badRequest(`${pathOf(f)} contains a NUL character (U+0000), which Engage cannot store`);
      }
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (f.depth >= MAX_JSON_DEPTH) {
      throw badRequest(`the body nests more than ${MAX_JSON_DEPTH} levels deep`, 'invalidSyntax');
    }
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v as Record<string, unknown>);
    for (const [key, value] of entries) {
      if (key.includes('\u0000')) {
        throw badRequest(`an attribute name in ${pathOf(f)} contains a NUL character (U+0000)`);
      }
      stack.push({ value, depth: f.depth + 1, key, parent: f });
    }
  }
}
