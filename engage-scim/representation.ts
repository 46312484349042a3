// Finishing a resource for the wire: meta (with a content-derived version for ETags) and the
// attributes / excludedAttributes projection.
import { createHash } from 'node:crypto';
import { getKey, isObj, type Obj } from './resource-json';
import { LIST_SCHEMA, type ResourceDef, splitUrn } from './schemas';

/** A weak ETag that changes exactly when the representation does. */
export const versionOf = (resourceWithoutMeta: Obj): string =>
  `W/"${createHash('sha256').update(JSON.stringify(resourceWithoutMeta)).digest('base64url').slice(0, 22)}"`;

export function withMeta(
  resource: Obj,
  meta: { resourceType: string; created: Date; lastModified: Date; location: string },
): Obj {
  return {
    ...resource,
    meta: {
      resourceType: meta.resourceType,
      created: meta.created.toISOString(),
      lastModified: meta.lastModified.toISOString(),
      location: meta.location,
      version: versionOf(resource),
    },
  };
}

/** If-Match: "*" or one of the listed versions (weak comparison). */
export function ifMatchSatisfied(header: string | undefined, version: string): boolean {
  if (header === undefined || header.trim() === '*') return true;
  const strip = (v: string) => v.trim().replace(/^W\//, '');
  return header.split(',').some((v) => strip(v) === strip(version));
}

interface PathRef {
  container: string | null; // null = core; else the extension URN
  attr: string;
  sub?: string;
}

function ref(res: ResourceDef, path: string): PathRef | undefined {
  const split = splitUrn(res, path);
  if (!split) return undefined;
  const container = split.schema === res.core ? null : split.schema.id;
  if (split.rest === '') return container ? { container: null, attr: container } : undefined;
  const [attr, sub] = split.rest.split('.');
  return { container, attr: attr!, ...(sub ? { sub } : {}) };
}

const keyOf = (o: Obj, name: string) => Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());

function containerOf(r: Obj, p: PathRef): Obj | undefined {
  if (p.container === null) return r;
  const c = getKey(r, p.container);
  return isObj(c) ? c : undefined;
}

const ALWAYS = new Set(['id', 'schemas']);

export function project(r: Obj, res: ResourceDef, attributes: string[], excluded: string[]): Obj {
  if (attributes.length > 0) {
    const out: Obj = {};
    for (const k of Object.keys(r)) if (ALWAYS.has(k)) out[k] = r[k];
    for (const path of attributes) {
      const p = ref(res, path);
      if (!p) continue;
      const src = containerOf(r, p);
      const key = src && keyOf(src, p.attr);
      if (!src || !key) continue;
      let dst = out;
      if (p.container) {
        const existing = out[p.container];
        dst = isObj(existing) ? existing : {};
        out[p.container] = dst;
      }
      const v = src[key];
      if (!p.sub) dst[key] = v;
      else {
        const pick = (el: unknown) => {
          const sk = isObj(el) ? keyOf(el, p.sub!) : undefined;
          return sk && isObj(el) ? { [sk]: el[sk] } : {};
        };
        const prev = dst[key];
        if (Array.isArray(v)) {
          dst[key] = v.map((el, i) => ({
            ...(Array.isArray(prev) && isObj(prev[i]) ? prev[i] : {}),
            ...pick(el),
          }));
        } else if (isObj(v)) dst[key] = { ...(isObj(prev) ? prev : {}), ...pick(v) };
      }
    }
    return out;
  }
  if (excluded.length === 0) return r;
  const out = structuredClone(r);
  for (const path of excluded) {
    const p = ref(res, path);
    if (!p || ALWAYS.has(p.attr.toLowerCase())) continue;
    const c = containerOf(out, p);
    const key = c && keyOf(c, p.attr);
    if (!c || !key) continue;
    if (!p.sub) delete c[key];
    else {
      const v = c[key];
      for (const el of Array.isArray(v) ? v : [v]) {
        const sk = isObj(el) ? keyOf(el, p.sub) : undefined;
        if (sk && isObj(el)) delete el[sk];
      }
    }
  }
  return out;
}

/** A SCIM ListResponse body (RFC 7644 §3.4.2), for every collection and discovery listing. */
export function listResponseBody(resources: object[], totalResults = resources.length, startIndex = 1) {
  return {
    schemas: [LIST_SCHEMA],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
