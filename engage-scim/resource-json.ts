// Case-insensitive access to SCIM resource JSON, canonicalising names to the schema's spelling and
// coercing "True"/"False" strings to booleans where the schema says boolean (Entra ID sends those).
import { type AttrDef, COMMON_ATTRIBUTES, findAttr, findSchema, type ResourceDef } from './schemas';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function getKey(o: Obj, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Sets o[name] under its canonical spelling, dropping other spellings of the same name. */
export function setKey(o: Obj, name: string, value: unknown, defs?: AttrDef[]): void {
  deleteKey(o, name);
  o[(defs && findAttr(defs, name)?.name) ?? name] = value;
}

export function deleteKey(o: Obj, name: string): void {
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) delete o[k];
}

function coerce(def: AttrDef, v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (def.multiValued) {
    const arr = Array.isArray(v) ? v : [v];
    return arr.map((x) => coerce({ ...def, multiValued: false }, x));
  }
  if (def.type === 'boolean' && typeof v === 'string') {
    const l = v.trim().toLowerCase();
    return l === 'true' ? true : l === 'false' ? false : v;
  }
  if (def.type === 'complex' && isObj(v) && def.subAttributes) return normalizeAttrs(v, def.subAttributes);
  return v;
}

function normalizeAttrs(o: Obj, defs: AttrDef[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    const def = findAttr(defs, k);
    if (def) out[def.name] = coerce(def, v);
  }
  return out;
}

/**
 * Canonical form of a resource body: known attributes only, canonical names, extension attributes
 * under their schema URN (also when sent as flat "urn:…:attr" keys). Unknown attributes (Okta's
 * password and groups, say) are dropped.
 */
export function normalizeResource(body: Obj, res: ResourceDef): Obj {
  const out: Obj = {};
  const coreDefs = [...COMMON_ATTRIBUTES, ...res.core.attributes];
  for (const [k, v] of Object.entries(body)) {
    if (k.toLowerCase() === 'schemas') continue;
    if (k.toLowerCase().startsWith('urn:')) {
      const ext = findSchema(res, k);
      if (ext && ext !== res.core && isObj(v)) {
        out[ext.id] = { ...(out[ext.id] as Obj | undefined), ...normalizeAttrs(v, ext.attributes) };
        continue;
      }
      // Flat "urn:…:Schema:attr" key.
      const i = k.lastIndexOf(':');
      const owner = findSchema(res, k.slice(0, i));
      const def = owner && findAttr(owner.attributes, k.slice(i + 1));
      if (owner && def) {
        if (owner === res.core) out[def.name] = coerce(def, v);
        else out[owner.id] = { ...(out[owner.id] as Obj | undefined), [def.name]: coerce(def, v) };
      }
      continue;
    }
    const def = findAttr(coreDefs, k);
    if (def) out[def.name] = coerce(def, v);
  }
  return out;
}
