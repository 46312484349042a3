/**
 * RFC 7644 §3.9 `attributes` / `excludedAttributes` on GET: lets a client skip the (possibly
 * 500-entry) `locationAccess` list, or fetch only ids. `schemas`, `id` and `meta` are always
 * returned; unknown names are ignored.
 */
import type { ResourceCatalog } from './catalog';
import { findSubAttr, resolveTopAttr, splitSchemaPrefix } from './catalog';

type Json = Record<string, unknown>;

interface Selection {
  schema: string | undefined;
  /** undefined = the whole extension object */
  attr?: string;
  sub?: string;
}

function parseSelections(catalog: ResourceCatalog, text: string | null): Selection[] | undefined {
  if (text === null || text.trim() === '') return undefined;
  const out: Selection[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    const split = splitSchemaPrefix(catalog, entry);
    if (!split) continue;
    if (split.rest === '') {
      if (split.schema !== undefined) out.push({ schema: split.schema });
      continue;
    }
    const [name = '', subName] = split.rest.split('.');
    const top = resolveTopAttr(catalog, split.schema, name);
    if (!top) continue;
    const sub = subName === undefined ? undefined : findSubAttr(top.def, subName);
    if (subName !== undefined && !sub) continue;
    out.push({ schema: top.schema, attr: top.def.name, sub: sub?.name });
  }
  return out;
}

const ALWAYS = new Set(['schemas', 'id', 'meta']);

function pickSub(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) return value.map((v) => ({ [sub]: (v as Json)[sub] }));
  if (typeof value === 'object' && value !== null) return { [sub]: (value as Json)[sub] };
  return undefined;
}

function withoutSub(value: unknown, sub: string): unknown {
  const drop = (v: unknown) => {
    const { [sub]: _gone, ...rest } = v as Json;
    return rest;
  };
  if (Array.isArray(value)) return value.map(drop);
  if (typeof value === 'object' && value !== null) return drop(value);
  return value;
}

export type Projector = (resource: Json) => Json;

export function projector(catalog: ResourceCatalog, query: URLSearchParams): Projector {
  const include = parseSelections(catalog, query.get('attributes'));
  const exclude = parseSelections(catalog, query.get('excludedAttributes'));
  if (!include && !exclude) return (r) => r;
  return (resource) => {
    if (include) {
      const out: Json = {};
      for (const key of ALWAYS) if (key in resource) out[key] = resource[key];
      for (const sel of include) {
        const source = (sel.schema ? resource[sel.schema] : resource) as Json | undefined;
        if (!source) continue;
        if (sel.schema && !out[sel.schema]) out[sel.schema] = {};
        const dest = (sel.schema ? out[sel.schema] : out) as Json;
        if (sel.attr === undefined) Object.assign(dest, source);
        else if (source[sel.attr] === undefined || ALWAYS.has(sel.attr)) continue;
        else if (sel.sub) dest[sel.attr] = pickSub(source[sel.attr], sel.sub);
        else dest[sel.attr] = source[sel.attr];
      }
      return out;
    }
    const out: Json = { ...resource };
    for (const sel of exclude ?? []) {
      if (sel.attr === undefined) {
        if (sel.schema) delete out[sel.schema];
        continue;
      }
      if (ALWAYS.has(sel.attr)) continue;
      if (sel.schema) out[sel.schema] = { ...(out[sel.schema] as Json) };
      const holder = (sel.schema ? out[sel.schema] : out) as Json;
      if (sel.sub) holder[sel.attr] = withoutSub(holder[sel.attr], sel.sub);
      else delete holder[sel.attr];
    }
    return out;
  };
}
