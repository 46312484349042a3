/** /Locations handlers. The default location cannot be deleted. */
import { PatchRequestSchema } from '../../scim/wire';
import { locationCatalog } from './catalog';
import type { ScimContext, ScimHandler } from './context';
import { badRequest, notFound } from './errors';
import type { Reply } from './http';
import { checkIfMatch, etagMatches } from './http';
import type { Collection } from './listing';
import { listPage, listResponse } from './listing';
import { buildLocation, locationDocument, locationGetter, renderLocation } from './location-model';
import { applyPatch } from './patch';
import { projector } from './projection';
import type { LocationRecord } from './records';
import { etagOf } from './records';
import type { VisitorStore } from './store';

function locationCollection(store: VisitorStore): Collection<LocationRecord> {
  return {
    catalog: locationCatalog,
    all: () => store.orderedLocations(),
    getter: locationGetter,
    indexNamer: (attr, sub) =>
      !sub && (attr.name === 'id' || attr.name === 'externalId') ? attr.name : undefined,
    lookup: ({ index, value }) => {
      const hit = index === 'id' ? store.locations.get(value) : store.locationByExternalId(value);
      return hit ? [hit] : [];
    },
    inOrder: (hits) => [...new Set(hits)].sort((a, b) => a.ordinal - b.ordinal),
  };
}

function existingLocation(ctx: ScimContext): LocationRecord {
  const loc = ctx.store.locations.get(ctx.params.id ?? '');
  if (!loc) throw notFound(`Location ${ctx.params.id} not found`);
  return loc;
}

function locationReply(
  ctx: ScimContext,
  status: number,
  loc: LocationRecord,
  extra: Record<string, string> = {},
): Reply {
  const body = projector(locationCatalog, ctx.query)(renderLocation(loc, ctx.baseUrl));
  return { status, body, headers: { etag: etagOf(loc.version), ...extra } };
}

const create: ScimHandler = (ctx) => {
  const loc = buildLocation(ctx.body, ctx.store, ctx.now, undefined);
  ctx.store.commit({ op: 'loc.put', loc });
  return locationReply(ctx, 201, loc, { location: `${ctx.baseUrl}/Locations/${loc.id}` });
};

const get: ScimHandler = (ctx) => {
  const loc = existingLocation(ctx);
  const ifNoneMatch = ctx.req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etagOf(loc.version))) {
    return { status: 304, headers: { etag: etagOf(loc.version) } };
  }
  return locationReply(ctx, 200, loc);
};

const list: ScimHandler = (ctx) => {
  const page = listPage(locationCollection(ctx.store), ctx.query, ctx.maxPageSize, ctx.maxListOffset);
  const project = projector(locationCatalog, ctx.query);
  return { status: 200, body: listResponse(page, (l) => project(renderLocation(l, ctx.baseUrl))) };
};

const replace: ScimHandler = (ctx) => {
  const existing = existingLocation(ctx);
  checkIfMatch(ctx.req, etagOf(existing.version));
  const loc = buildLocation(ctx.body, ctx.store, ctx.now, existing);
  ctx.store.commit({ op: 'loc.put', loc });
  return locationReply(ctx, 200, loc);
};

const patch: ScimHandler = (ctx) => {
  const existing = existingLocation(ctx);
  checkIfMatch(ctx.req, etagOf(existing.version));
  const parsed = PatchRequestSchema.safeParse(ctx.body);
  if (!parsed.success)
    throw badRequest('invalidSyntax', `Not a PatchOp request: ${parsed.error.issues[0]?.message}`);
  const doc = locationDocument(existing);
  applyPatch(locationCatalog, doc, parsed.data.Operations);
  const loc = buildLocation(doc, ctx.store, ctx.now, existing);
  ctx.store.commit({ op: 'loc.put', loc });
  return locationReply(ctx, 200, loc);
};

/** Removes the location from every user's access; users homed there move to the default location. */
const remove: ScimHandler = (ctx) => {
  const existing = existingLocation(ctx);
  checkIfMatch(ctx.req, etagOf(existing.version));
  if (existing.isDefault) throw badRequest('invalidValue', 'The default location cannot be deleted');
  ctx.store.commit({ op: 'loc.del', id: existing.id, at: ctx.now });
  return { status: 204 };
};

export const locationRoutes: [string, string, ScimHandler][] = [
  ['GET', '/Locations', list],
  ['POST', '/Locations', create],
  ['GET', '/Locations/{id}', get],
  ['PUT', '/Locations/{id}', replace],
  ['PATCH', '/Locations/{id}', patch],
  ['DELETE', '/Locations/{id}', remove],
];
