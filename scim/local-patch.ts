/**
 * RFC 7644 §3.5.2 PATCH operations applied by the client to a resource as it read it, for a target
 * that cannot PATCH: the result is then PUT whole (scim/rewrite.ts). It follows the contract's PATCH
 * (docs/visitor-scim-api.md §8) for what the client's builders (scim/patch.ts) produce: paths `attr`,
 * `attr.sub`, URN-qualified, `attr[filter]` and `attr[filter].sub` with `eq` terms joined by `and`, and
 * path-less values. Attributes it does not know are left exactly as read.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PatchOperation } from './wire';
import { parseBooleanLike, URN_CORE_SCIM1, URN_CORE_USER, URN_VISITOR_LOCATION } from './wire';

type Json = Record<string, unknown>;

/** Why an operation cannot be applied; `scimType` is what a PATCH-capable target would answer. */
export class LocalPatchError extends Error {
  constructor(
    readonly scimType: 'noTarget' | 'invalidPath' | 'invalidValue',
    message: string,
  ) {
    super(message);
  }
}

/** Core schemas: their attributes sit at the top of the resource, not under the URN. */
const CORE_URNS = new Set([URN_CORE_USER, URN_CORE_SCIM1, URN_VISITOR_LOCATION].map((u) => u.toLowerCase()));

interface Term {
  sub: string;
  value: string | number | boolean | null;
}

interface Target {
  /** The object holding the attribute: the resource, or an extension under its URN. */
  urn: string | undefined;
  attr: string;
  filter?: Term[];
  sub?: string;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key of `obj` spelled `name` in any case (attribute names are case-insensitive), else `name`. */
function keyOf(obj: Json, name: string): string {
  const wanted = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === wanted) ?? name;
}

/** `sub eq value` terms joined by `and` — what eqFilter builds; anything else is not applied locally. */
function parseFilter(text: string, path: string): Term[] {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|[^\s"]+/g) ?? [];
  const terms: Term[] = [];
  for (let i = 0; i < tokens.length; i += 4) {
    const [sub, op, raw, and] = tokens.slice(i, i + 4);
    if (
      !sub ||
      op?.toLowerCase() !== 'eq' ||
      raw === undefined ||
      (and !== undefined && and.toLowerCase() !== 'and')
    )
      throw new LocalPatchError('invalidPath', `cannot apply the value filter of "${path}" without PATCH`);
    terms.push({ sub, value: literal(raw, path) });
  }
  if (terms.length === 0) throw new LocalPatchError('invalidPath', `empty value filter in "${path}"`);
  return terms;
}

function literal(raw: string, path: string): Term['value'] {
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      throw new LocalPatchError('invalidPath', `bad string in the value filter of "${path}"`);
    }
  }
  const lowered = raw.toLowerCase();
  if (lowered === 'true' || lowered === 'false') return lowered === 'true';
  if (lowered === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw; // unquoted, as Entra sometimes sends
}

function parsePath(path: string, extensions: readonly string[]): Target | { extension: string } {
  const open = path.indexOf('[');
  const attrPart = open >= 0 ? path.slice(0, open) : path;
  let urn: string | undefined;
  let rest = attrPart;
  if (attrPart.toLowerCase().startsWith('urn:')) {
    const whole = extensions.find((e) => e.toLowerCase() === attrPart.toLowerCase());
    if (whole !== undefined && open < 0) return { extension: whole };
    // Attribute names hold no ':', so the schema is everything before the last one.
    const at = attrPart.lastIndexOf(':');
    urn = attrPart.slice(0, at);
    rest = attrPart.slice(at + 1);
    if (CORE_URNS.has(urn.toLowerCase())) urn = undefined;
  }
  const [attr, sub, ...extra] = rest.split('.');
  if (!attr || extra.length > 0) throw new LocalPatchError('invalidPath', `cannot read the path "${path}"`);
  if (open < 0) return { urn, attr, ...(sub === undefined ? {} : { sub }) };
  const close = path.lastIndexOf(']');
  const after = path.slice(close + 1);
  if (close < open || sub !== undefined || (after !== '' && !after.startsWith('.')))
    throw new LocalPatchError('invalidPath', `cannot read the path "${path}"`);
  const filter = parseFilter(path.slice(open + 1, close), path);
  return { urn, attr, filter, ...(after === '' ? {} : { sub: after.slice(1) }) };
}

/** Identifiers compare case-exactly, everything else (types, roles, e-mails) case-insensitively. */
function same(sub: string, actual: unknown, wanted: Term['value']): boolean {
  if (typeof wanted === 'boolean') return parseBooleanLike(actual) === wanted;
  if (wanted === null) return actual === undefined || actual === null;
  if (typeof wanted === 'string' && typeof actual === 'string')
    return /id$/i.test(sub) ? actual === wanted : actual.toLowerCase() === wanted.toLowerCase();
  return actual === wanted;
}

const matches = (element: unknown, terms: Term[]) =>
  isObject(element) && terms.every((t) => same(t.sub, element[keyOf(element, t.sub)], t.value));

/** Elements of a multi-valued attribute are the same element when their key (locationId, value) is. */
function mergeKey(element: Json): [string, (v: unknown) => unknown] | undefined {
  for (const [name, norm] of [
    ['locationId', (v: unknown) => v],
    ['value', (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v)],
  ] as const) {
    const key = Object.keys(element).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined) return [key, norm];
  }
  return undefined;
}

function merged(existing: unknown[], added: unknown[]): unknown[] {
  const result = [...existing];
  for (const element of added) {
    const key = isObject(element) ? mergeKey(element) : undefined;
    const at =
      key && isObject(element)
        ? result.findIndex((e) => isObject(e) && key[1](e[keyOf(e, key[0])]) === key[1](element[key[0]]))
        : result.findIndex((e) => isDeepStrictEqual(e, element));
    if (at < 0) result.push(element);
    else if (isObject(element)) result[at] = { ...(result[at] as Json), ...element };
  }
  return result;
}

function container(resource: Json, urn: string | undefined, create: boolean): Json | undefined {
  if (urn === undefined) return resource;
  const key = keyOf(resource, urn);
  const found = resource[key];
  if (isObject(found)) return found;
  if (!create) return undefined;
  const made: Json = {};
  resource[key] = made;
  return made;
}

function applyFiltered(op: PatchOperation['op'], holder: Json, key: string, target: Target, value: unknown) {
  const terms = target.filter!;
  const list = Array.isArray(holder[key]) ? (holder[key] as unknown[]) : [];
  const hits = list.filter((e) => matches(e, terms)) as Json[];
  const sub = target.sub;
  if (op === 'remove') {
    if (sub === undefined) {
      if (hits.length) holder[key] = list.filter((e) => !hits.includes(e as Json));
    } else for (const e of hits) delete e[keyOf(e, sub)];
    return;
  }
  if (sub === undefined && !isObject(value))
    throw new LocalPatchError('invalidValue', `"${target.attr}[…]" needs an object value`);
  if (hits.length === 0) {
    // An add through a filter that matches nothing creates the entry from the filter (contract §8).
    if (op !== 'add') throw new LocalPatchError('noTarget', `no "${target.attr}" value matches the filter`);
    const seed = Object.fromEntries(terms.map((t) => [t.sub, t.value]));
    holder[key] = [...list, sub === undefined ? { ...seed, ...(value as Json) } : { ...seed, [sub]: value }];
    return;
  }
  for (const e of hits) {
    if (sub === undefined) Object.assign(e, value as Json);
    else e[keyOf(e, sub)] = value;
  }
}

function applyToTarget(op: PatchOperation['op'], resource: Json, target: Target, value: unknown): void {
  const holder = container(resource, target.urn, op !== 'remove');
  if (holder === undefined) return; // removing from an extension the resource does not have
  const key = keyOf(holder, target.attr);
  if (target.filter) {
    applyFiltered(op, holder, key, target, value);
    return;
  }
  const current = holder[key];
  if (target.sub !== undefined) {
    // `name.givenName`; on a multi-valued attribute, every element (RFC 7644 §3.5.2.3).
    const objects = Array.isArray(current) ? current.filter(isObject) : [isObject(current) ? current : {}];
    for (const obj of objects) {
      if (op === 'remove') delete obj[keyOf(obj, target.sub)];
      else obj[keyOf(obj, target.sub)] = value;
    }
    if (!Array.isArray(current) && op !== 'remove') holder[key] = objects[0];
    return;
  }
  if (op === 'remove') {
    delete holder[key];
  } else if (Array.isArray(current) || Array.isArray(value)) {
    const added = Array.isArray(value) ? value : [value];
    holder[key] = op === 'add' ? merged(Array.isArray(current) ? current : [], added) : added;
  } else if (isObject(current) && isObject(value)) {
    // Complex single-valued: add and replace merge sub-attributes (RFC 7644 §3.5.2.3).
    holder[key] = { ...current, ...value };
  } else {
    holder[key] = value;
  }
}

/** A path-less add/replace: each key of the value is a path; an extension URN key holds an object. */
function applyPathless(op: 'add' | 'replace', resource: Json, value: unknown, extensions: readonly string[]) {
  if (!isObject(value))
    throw new LocalPatchError('invalidValue', 'an operation without a path needs an object');
  for (const [path, v] of Object.entries(value)) {
    if (path.toLowerCase() === 'schemas') continue;
    apply(op, resource, path, v, extensions);
  }
}

function apply(
  op: PatchOperation['op'],
  resource: Json,
  path: string,
  value: unknown,
  extensions: readonly string[],
): void {
  const target = parsePath(path, extensions);
  if ('extension' in target) {
    if (op === 'remove') delete resource[keyOf(resource, target.extension)];
    else if (isObject(value)) {
      for (const [k, v] of Object.entries(value))
        if (k.toLowerCase() !== 'schemas') apply(op, resource, `${target.extension}:${k}`, v, extensions);
    } else throw new LocalPatchError('invalidValue', `"${path}" needs an object value`);
    return;
  }
  applyToTarget(op, resource, target, value);
}

/**
 * The resource with the operations applied in order, as a new object (the input is not changed).
 * `extensions`: the URNs whose attributes sit under their own key (the resource's `schemas` are
 * added), so a path naming one addresses the whole extension.
 */
export function applyPatchLocally(resource: Json, operations: readonly PatchOperation[]): Json {
  const result = structuredClone(resource);
  const schemas = Array.isArray(resource.schemas) ? (resource.schemas as unknown[]) : [];
  const extensions = [
    ...schemas.filter((s): s is string => typeof s === 'string' && !CORE_URNS.has(s.toLowerCase())),
    ...Object.keys(resource).filter((k) => k.toLowerCase().startsWith('urn:')),
  ];
  for (const { op, path, value } of operations) {
    if (path === undefined) {
      if (op === 'remove') throw new LocalPatchError('noTarget', 'remove needs a path');
      applyPathless(op, result, value, extensions);
    } else {
      apply(op, result, path, value, extensions);
    }
  }
  return result;
}
