// Applies a SCIM PatchOp to a resource's JSON (RFC 7644 §3.5.2), tolerant of what Okta and Entra ID
// send: any-case op names, path-less add/replace with dotted or URN keys, value filters that create
// the value when missing (emails[type eq "work"].value), and Remove with a value list (members).
// The result is validated afterwards by the resource's own parser, as a PUT body would be.
import { z } from 'zod';
import { badRequest } from './errors';
import type { Filter } from './filter/ast';
import { matches, pinnedValues } from './filter/evaluate';
import { parseFilter } from './filter/parse';
import { deleteKey, getKey, isObj, type Obj, setKey } from './resource-json';
import {
  type AttrDef,
  COMMON_ATTRIBUTES,
  findAttr,
  PATCH_SCHEMA,
  type ResourceDef,
  splitUrn,
} from './schemas';

const patchBody = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes(PATCH_SCHEMA), {
    message: `schemas must contain ${PATCH_SCHEMA}`,
  }),
  Operations: z
    .array(
      z.object({
        op: z
          .string()
          .transform((s) => s.toLowerCase())
          .pipe(z.enum(['add', 'remove', 'replace'])),
        path: z.string().max(1024).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(1000),
});

export type PatchOp = z.infer<typeof patchBody>['Operations'][number];

export function parsePatch(body: unknown): PatchOp[] {
  // Some clients send "operations"; accept any case of the key.
  const b = isObj(body) ? { ...body, Operations: getKey(body, 'Operations') } : body;
  const parsed = patchBody.safeParse(b);
  if (!parsed.success)
    throw badRequest(`invalid PatchOp: ${parsed.error.issues[0]?.message}`, 'invalidSyntax');
  return parsed.data.Operations;
}

interface Target {
  container: Obj;
  defs: AttrDef[];
  attr: string;
  def?: AttrDef;
  filter?: Filter;
  sub?: string;
}

const READ_ONLY = new Set(['id', 'meta', 'schemas']);

function resolve(
  resource: Obj,
  res: ResourceDef,
  path: string,
): Target | { wholeSchema: Obj; defs: AttrDef[] } {
  const split = splitUrn(res, path.trim());
  if (!split) throw badRequest(`unknown schema in path "${path}"`, 'invalidPath');
  const { schema, rest } = split;
  const isCore = schema === res.core;
  let container = resource;
  if (!isCore) {
    let ext = getKey(resource, schema.id);
    if (!isObj(ext)) {
      ext = {};
      setKey(resource, schema.id, ext);
    }
    container = ext as Obj;
  }
  const defs = isCore ? [...COMMON_ATTRIBUTES, ...schema.attributes] : schema.attributes;
  if (rest === '') return { wholeSchema: container, defs };
  const m = /^([A-Za-z$][\w$-]*)(?:\[(.*)\])?(?:\.([A-Za-z$][\w$-]*))?$/s.exec(rest);
  if (!m) throw badRequest(`invalid path "${path}"`, 'invalidPath');
  const [, attr, filterText, sub] = m;
  return {
    container,
    defs,
    attr: attr!,
    def: findAttr(defs, attr!),
    filter: filterText !== undefined ? parseFilter(filterText) : undefined,
    sub,
  };
}

export function applyPatch(resource: Obj, res: ResourceDef, ops: PatchOp[]): Obj {
  const r = structuredClone(resource);
  for (const op of ops) {
    if (op.path === undefined || op.path === '') {
      if (op.op === 'remove') throw badRequest('remove needs a path', 'noTarget');
      if (!isObj(op.value)) throw badRequest(`${op.op} without a path needs an object value`, 'invalidValue');
      for (const [k, v] of Object.entries(op.value)) {
        // A whole extension object under its URN: apply each of its attributes.
        if (k.toLowerCase().startsWith('urn:') && isObj(v) && splitUrn(res, k)?.rest === '') {
          for (const [ek, ev] of Object.entries(v)) applyOne(r, res, op.op, `${k}:${ek}`, ev);
        } else applyOne(r, res, op.op, k, v);
      }
    } else applyOne(r, res, op.op, op.path, op.value);
  }
  return r;
}

function applyOne(r: Obj, res: ResourceDef, op: PatchOp['op'], path: string, value: unknown): void {
  const t = resolve(r, res, path);
  if ('wholeSchema' in t) {
    if (op === 'remove') {
      for (const k of Object.keys(t.wholeSchema)) delete t.wholeSchema[k];
      return;
    }
    if (!isObj(value)) throw badRequest(`"${path}" needs an object value`, 'invalidValue');
    for (const [k, v] of Object.entries(value)) setKey(t.wholeSchema, k, v, t.defs);
    return;
  }
  if (READ_ONLY.has(t.attr.toLowerCase())) return; // Server-managed; ignored, as for a PUT.
  const def = t.def;
  // Dotted path-less keys ("name.givenName") arrive here as attr + sub with no filter.
  if (def?.multiValued) {
    applyMulti(t, def, op, value, path);
    return;
  }
  if (t.filter) throw badRequest(`"${t.attr}" is not multi-valued`, 'invalidPath');
  if (t.sub !== undefined) {
    let parent = getKey(t.container, t.attr);
    if (op === 'remove') {
      if (isObj(parent)) deleteKey(parent, t.sub);
      return;
    }
    if (!isObj(parent)) {
      parent = {};
      setKey(t.container, t.attr, parent, t.defs);
    }
    setKey(parent as Obj, t.sub, value, def?.subAttributes);
    return;
  }
  if (op === 'remove') {
    deleteKey(t.container, t.attr);
    return;
  }
  const current = getKey(t.container, t.attr);
  // Complex single-valued: sub-attributes not given are left unchanged (§3.5.2.1 and .3).
  if (def?.type === 'complex' && isObj(value)) {
    const merged = isObj(current) ? { ...current } : {};
    for (const [k, v] of Object.entries(value)) setKey(merged, k, v, def.subAttributes);
    setKey(t.container, t.attr, merged, t.defs);
    return;
  }
  setKey(t.container, t.attr, value, t.defs);
}

const itemValue = (x: unknown) => (isObj(x) ? getKey(x, 'value') : x);
const sameValue = (a: unknown, b: unknown) => {
  const va = itemValue(a);
  const vb = itemValue(b);
  return typeof va === 'string' && typeof vb === 'string' ? va.toLowerCase() === vb.toLowerCase() : va === vb;
};

function applyMulti(t: Target, def: AttrDef, op: PatchOp['op'], value: unknown, path: string): void {
  const current = getKey(t.container, t.attr);
  const list: unknown[] = Array.isArray(current) ? [...current] : [];
  const set = (l: unknown[]) => setKey(t.container, t.attr, l, t.defs);
  const values = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

  if (!t.filter) {
    if (t.sub !== undefined) {
      // emails.value: every value's sub-attribute.
      for (const el of list) if (isObj(el)) op === 'remove' ? deleteKey(el, t.sub) : setKey(el, t.sub, value);
      set(list);
      return;
    }
    if (op === 'remove') {
      set(values.length ? list.filter((el) => !values.some((v) => sameValue(el, v))) : []);
      return;
    }
    if (op === 'replace') {
      set(values);
      return;
    }
    const added = values.filter((v) => !list.some((el) => sameValue(el, v)));
    if (added.some((v) => isObj(v) && getKey(v, 'primary') === true)) {
      for (const el of list) if (isObj(el)) deleteKey(el, 'primary');
    }
    set([...list, ...added]);
    return;
  }

  const hit = list.filter((el) => matches(t.filter!, el));
  if (op === 'remove') {
    if (t.sub !== undefined) for (const el of hit) if (isObj(el)) deleteKey(el, t.sub);
    set(t.sub !== undefined ? list : list.filter((el) => !hit.includes(el)));
    return;
  }
  if (hit.length === 0) {
    // Entra replaces emails[type eq "work"].value on users that have no work e-mail yet.
    const pinned = pinnedValues(t.filter);
    if (!pinned) throw badRequest(`no value of "${t.attr}" matches the filter in "${path}"`, 'noTarget');
    const el: Obj = {};
    for (const [k, v] of Object.entries(pinned)) setKey(el, k, v, def.subAttributes);
    if (t.sub !== undefined) setKey(el, t.sub, value, def.subAttributes);
    else if (isObj(value)) for (const [k, v] of Object.entries(value)) setKey(el, k, v, def.subAttributes);
    else throw badRequest(`"${path}" needs an object value`, 'invalidValue');
    set([...list, el]);
    return;
  }
  for (const el of hit) {
    if (!isObj(el)) continue;
    if (t.sub !== undefined) setKey(el, t.sub, value, def.subAttributes);
    else if (isObj(value)) for (const [k, v] of Object.entries(value)) setKey(el, k, v, def.subAttributes);
    else throw badRequest(`"${path}" needs an object value`, 'invalidValue');
  }
  set(list);
}
