/**
 * GET on a collection: filter (index-planned when possible), stable order, startIndex/count
 * paging per RFC 7644 §3.4.2.4, and the ListResponse envelope.
 */
import { URN_LIST_RESPONSE } from '../../scim/wire';
import type { ResourceCatalog } from './catalog';
import { badRequest } from './errors';
import { parseFilter } from './filter';
import type { AttrGetter, IndexKey, IndexNamer } from './filter-eval';
import { compileFilter, planIndex } from './filter-eval';

export interface Collection<R> {
  catalog: ResourceCatalog;
  /** All resources in their stable paging order. */
  all(): R[];
  getter(resource: R): AttrGetter;
  indexNamer: IndexNamer;
  lookup(key: IndexKey): Iterable<R>;
  /** Sorts index hits into paging order and removes duplicates. */
  inOrder(hits: Iterable<R>): R[];
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw badRequest('invalidValue', `"${name}" must be an integer`);
  return n;
}

export interface Page<R> {
  totalResults: number;
  startIndex: number;
  resources: R[];
}

/** `maxListOffset`: the highest startIndex a listing may ask for (as many SaaS APIs cap deep paging). */
export function listPage<R>(
  collection: Collection<R>,
  query: URLSearchParams,
  maxPageSize: number,
  maxListOffset?: number,
): Page<R> {
  const startIndex = Math.max(1, intParam(query, 'startIndex') ?? 1);
  if (maxListOffset !== undefined && startIndex > maxListOffset) {
    throw badRequest(
      'tooMany',
      `startIndex ${startIndex} is beyond the ${maxListOffset} results a listing may page through; narrow the filter`,
    );
  }
  const count = Math.min(maxPageSize, Math.max(0, intParam(query, 'count') ?? maxPageSize));
  const filterText = query.get('filter');
  let matches: R[];
  if (filterText === null || filterText.trim() === '') {
    matches = collection.all();
  } else {
    const node = parseFilter(collection.catalog, filterText);
    const predicate = compileFilter(node);
    const plan = planIndex(node, collection.indexNamer);
    const candidates = plan
      ? collection.inOrder(plan.flatMap((key) => [...collection.lookup(key)]))
      : collection.all();
    matches = candidates.filter((r) => predicate(collection.getter(r)));
  }
  const resources = count === 0 ? [] : matches.slice(startIndex - 1, startIndex - 1 + count);
  return { totalResults: matches.length, startIndex, resources };
}

export function listResponse<R>(page: Page<R>, render: (r: R) => unknown) {
  return {
    schemas: [URN_LIST_RESPONSE],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: page.resources.length,
    Resources: page.resources.map(render),
  };
}
