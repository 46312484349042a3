/**
 * RFC 7644 §3.5.2 PATCH applied to a resource's writable JSON document (core attributes at the
 * top, extension attributes under their URN). Accepts what Okta and Entra send: op names in any
 * case, boolean strings, path-less values with dotted or URN keys, value-filter paths such as
 * `emails[type eq "work"].value`. The caller re-validates the whole document afterwards, so
 * this module only moves values around.
 */

import type { PatchOperation } from '../../scim/wire';
import { parseBooleanLike } from '../../scim/wire';
import type { AttrDef, ResourceCatalog } from './catalog';
import { findSubAttr, resolveTopAttr, splitSchemaPrefix } from './catalog';
import { badRequest } from './errors';
import type { FilterNode } from './filter';
import { parseValueFilter } from './filter';
import type { Predicate } from './filter-eval';
import { compileFilter } from './filter-eval';

type Doc = Record<string, unknown>;
type Element = Record<string, unknown>;

interface Target {
  schema: string | undefined;
  def: AttrDef;
  filter?: { node: FilterNode; match: Predicate };
  sub?: AttrDef;
}

const invalidPath = (detail: string) => badRequest('invalidPath', detail);

function parsePath(catalog: ResourceCatalog, path: string): Target {
  const open = path.indexOf('[');
  const attrPart = open >= 0 ? path.slice(0, open) : path;
  const split = splitSchemaPrefix(catalog, attrPart);
  if (!split || split.rest === '') throw invalidPath(`Unknown attribute path "${path}"`);
  const [name, subName, ...extra] = split.rest.split('.');
  const top = name ? resolveTopAttr(catalog, split.schema, name) : undefined;
  if (!top || extra.length > 0) throw invalidPath(`Unknown attribute path "${path}"`);
  const target: Target = { schema: top.schema, def: top.def };
  if (open >= 0) {
    if (subName !== undefined || !top.def.multiValued) throw invalidPath(`Bad value-filter path "${path}"`);
    const close = path.lastIndexOf(']');
    if (close < open) throw invalidPath(`Unclosed "[" in path "${path}"`);
    const node = parseValueFilter(catalog, top.def, path.slice(open + 1, close));
    target.filter = { node, match: compileFilter(node) };
    const after = path.slice(close + 1);
    if (after !== '') {
      const sub = after.startsWith('.') ? findSubAttr(top.def, after.slice(1)) : undefined;
      if (!sub) throw invalidPath(`Unknown sub-attribute in path "${path}"`);
      target.sub = sub;
    }
  } else if (subName !== undefined) {
    const sub = findSubAttr(top.def, subName);
    if (!sub) throw invalidPath(`Unknown attribute path "${path}"`);
    target.sub = sub;
  }
  return target;
}

function isWritable(def: AttrDef): boolean {
  return def.mutability !== 'readOnly' && !def.createOnly;
}

/** Coerces a value to the attribute's shape: canonical sub-attribute names, booleans from strings. */
function normalize(def: AttrDef, value: unknown): unknown {
  if (def.multiValued && def.type === 'complex') {
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => normalizeComplex(def, item));
  }
  if (def.type === 'complex') return normalizeComplex(def, value);
  if (def.type === 'boolean') return parseBooleanLike(value);
  return value;
}

function normalizeComplex(def: AttrDef, value: unknown): Element {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('invalidValue', `"${def.name}" needs an object value`);
  }
  const out: Element = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = findSubAttr(def, key);
    // Unknown sub-attributes are ignored, like unknown attributes on create.
    if (sub) out[sub.name] = sub.type === 'boolean' ? parseBooleanLike(v) : v;
  }
  return out;
}

function containerOf(doc: Doc, schema: string | undefined): Doc {
  if (schema === undefined) return doc;
  let ext = doc[schema] as Doc | undefined;
  if (typeof ext !== 'object' || ext === null) {
    ext = {};
    doc[schema] = ext;
  }
  return ext;
}

function elementKey(def: AttrDef, element: Element): string | undefined {
  if (!def.mergeKey) return undefined;
  const v = element[def.mergeKey];
  if (typeof v !== 'string') return undefined;
  const sub = findSubAttr(def, def.mergeKey);
  return sub?.caseExact ? v : v.toLowerCase();
}

/** Adds elements to a multi-valued attribute, replacing ones with the same merge key. */
function mergeElements(def: AttrDef, existing: Element[], added: Element[]): Element[] {
  const result = [...existing];
  const byKey = new Map<string, number>();
  result.forEach((e, i) => {
    const k = elementKey(def, e);
    if (k !== undefined) byKey.set(k, i);
  });
  for (const element of added) {
    const k = elementKey(def, element);
    const at = k === undefined ? undefined : byKey.get(k);
    if (at === undefined) {
      if (k !== undefined) byKey.set(k, result.length);
      result.push(element);
    } else {
      result[at] = { ...result[at], ...element };
    }
  }
  return result;
}

/** `attr eq "v"` (possibly and-ed) → the element a failed add-by-filter should create. */
function seedFromFilter(node: FilterNode): Element | undefined {
  if (node.kind === 'compare' && node.op === 'eq' && node.value !== null)
    return { [node.ref.attr.name]: node.value };
  if (node.kind === 'and') {
    const l = seedFromFilter(node.left);
    const r = seedFromFilter(node.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

function applyToTarget(op: PatchOperation['op'], doc: Doc, target: Target, rawValue: unknown): void {
  const { def } = target;
  if (!isWritable(def) || (target.sub && !isWritable(target.sub))) {
    throw badRequest(
      'mutability',
      `"${def.name}${target.sub ? `.${target.sub.name}` : ''}" cannot be modified`,
    );
  }
  const container = containerOf(doc, target.schema);
  const current = container[def.name];

  if (target.filter) {
    const elements = Array.isArray(current) ? (current as Element[]) : [];
    const matches = elements.filter((e) => target.filter!.match((n) => e[n]));
    const sub = target.sub;
    if (op === 'remove') {
      if (sub) for (const e of matches) delete e[sub.name];
      else container[def.name] = elements.filter((e) => !matches.includes(e));
      return;
    }
    const value = sub ? (sub.type === 'boolean' ? parseBooleanLike(rawValue) : rawValue) : undefined;
    const patch = sub ? undefined : (normalize({ ...def, multiValued: false }, rawValue) as Element);
    if (matches.length === 0) {
      const seed = op === 'add' ? seedFromFilter(target.filter.node) : undefined;
      if (!seed) throw badRequest('noTarget', `No "${def.name}" value matches the filter`);
      container[def.name] = [...elements, sub ? { ...seed, [sub.name]: value } : { ...seed, ...patch }];
      return;
    }
    for (const e of matches) {
      if (sub) e[sub.name] = value;
      else Object.assign(e, patch);
    }
    return;
  }

  if (target.sub) {
    if (def.multiValued) throw invalidPath(`Use a value filter to address "${def.name}.${target.sub.name}"`);
    const obj = typeof current === 'object' && current !== null ? (current as Element) : {};
    if (op === 'remove') delete obj[target.sub.name];
    else obj[target.sub.name] = normalize(target.sub, rawValue);
    container[def.name] = obj;
    return;
  }

  if (op === 'remove') {
    if (def.multiValued && rawValue !== undefined && Array.isArray(current)) {
      // Entra's member-style removal: `{op: Remove, path: attr, value: [{value: …}]}`.
      const gone = new Set((normalize(def, rawValue) as Element[]).map((e) => elementKey(def, e)));
      container[def.name] = (current as Element[]).filter((e) => !gone.has(elementKey(def, e)));
    } else {
      delete container[def.name];
    }
    return;
  }
  const value = normalize(def, rawValue);
  if (def.multiValued) {
    const existing = Array.isArray(current) ? (current as Element[]) : [];
    container[def.name] = op === 'add' ? mergeElements(def, existing, value as Element[]) : value;
  } else if (def.type === 'complex') {
    // Complex single-valued: both add and replace merge sub-attributes (RFC 7644 §3.5.2.3).
    const obj = typeof current === 'object' && current !== null ? (current as Element) : {};
    container[def.name] = { ...obj, ...(value as Element) };
  } else {
    container[def.name] = value;
  }
}

/** A path-less add/replace: each key of the value is a path (plain, dotted or URN-qualified). */
function applyPathless(catalog: ResourceCatalog, op: 'add' | 'replace', doc: Doc, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('invalidValue', 'An operation without a path needs an object value');
  }
  for (const [key, v] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas') continue;
    const split = splitSchemaPrefix(catalog, key);
    if (split && split.rest === '' && split.schema !== undefined) {
      // `"urn:…:extension": { attr: value }`
      if (typeof v !== 'object' || v === null)
        throw badRequest('invalidValue', `"${key}" needs an object value`);
      for (const [k2, v2] of Object.entries(v)) {
        if (k2.toLowerCase() !== 'schemas') applyKey(catalog, op, doc, `${split.schema}:${k2}`, v2);
      }
      continue;
    }
    applyKey(catalog, op, doc, key, v);
  }
}

function applyKey(
  catalog: ResourceCatalog,
  op: 'add' | 'replace',
  doc: Doc,
  key: string,
  value: unknown,
): void {
  const target = parsePath(catalog, key);
  // Echoed read-only attributes (id, meta) in a path-less value are ignored, not refused.
  if (!isWritable(target.def) && target.def.mutability === 'readOnly') return;
  applyToTarget(op, doc, target, value);
}

/** The extension URN a path names by itself (case-insensitive), if it does. */
function extensionNamed(catalog: ResourceCatalog, path: string): string | undefined {
  const split = splitSchemaPrefix(catalog, path);
  return split && split.rest === '' ? split.schema : undefined;
}

export function applyPatch(catalog: ResourceCatalog, doc: Doc, operations: PatchOperation[]): void {
  for (const operation of operations) {
    const { op, path, value } = operation;
    if (path === undefined) {
      if (op === 'remove') throw badRequest('noTarget', 'remove needs a path');
      applyPathless(catalog, op, doc, value);
      continue;
    }
    if (op !== 'remove' && value === undefined) throw badRequest('invalidValue', `${op} needs a value`);
    const extension = extensionNamed(catalog, path);
    if (extension !== undefined) {
      // The path is an extension itself: its attributes, as in a path-less value; removing it
      // removes them all (each then reads as its default).
      if (op === 'remove') delete doc[extension];
      else applyPathless(catalog, op, doc, { [extension]: value });
      continue;
    }
    applyToTarget(op, doc, parsePath(catalog, path), value);
  }
}
