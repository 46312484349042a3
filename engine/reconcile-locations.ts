// Locations first: every active Engage location exists in Visitor (created when missing, matched by
// Engage id afterwards, updated when its name or address changes). Visitor locations are never
// deleted; one whose Engage location is gone is reported as orphaned.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../domain/fingerprint';
import type { LocationCounts } from '../../domain/run-types';
import { VisitorAuthError, VisitorScimError } from '../../scim/errors';
import type { SyncDeps } from './deps';
import { noDefaultLocation } from './location-context';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import type { LogEntry } from './state-store';
import { locationBody } from './visitor-mapping';

export async function syncLocationsActivity(
  deps: SyncDeps,
  { runId, dryRun }: { runId: string; dryRun: boolean },
): Promise<{ defaultLocationId: string; counts: LocationCounts }> {
  const { visitor, store, engage } = deps;
  const [visitorLocations, engageResult, mapped] = await Promise.all([
    visitor.listLocations(),
    engage.allActiveLocations(),
    store.locationMap(),
  ]);
  const def = visitorLocations.find((l) => l.isDefault);
  if (!def)
    throw noDefaultLocation(
      'Visitor reports no default location: install the SCIM integration in a primary location',
    );
  const byId = new Map(visitorLocations.map((l) => [l.id, l]));
  const byExternalId = new Map(visitorLocations.filter((l) => l.externalId).map((l) => [l.externalId!, l]));
  const counts: LocationCounts = { created: 0, updated: 0, unchanged: 0, orphaned: 0, failed: 0 };
  const log: LogEntry[] = [];
  const entry = (
    engageId: number,
    visitorId: string | null,
    action: string,
    outcome: string,
    detail?: Record<string, unknown>,
  ): LogEntry => ({
    run_id: runId,
    object_type: 'location',
    engage_id: engageId,
    visitor_id: visitorId,
    user_name: null,
    action,
    outcome: dryRun ? 'planned' : outcome,
    attributes: null,
    duration_ms: null,
    detail: detail ?? null,
  });

  for (const bad of engageResult.invalid)
    log.push(entry(bad.id, null, 'validate', 'failed', { reason: bad.reason }));
  const active = new Set(engageResult.locations.map((l) => l.id));
  // Side by side: one at a time, an initial sync's 500 location creates took 2.5–3 s before the
  // first user page could start. Each location is its own idempotent step. More steps than the
  // client has requests in flight (which it still bounds): while some wait for their state row to be
  // committed (group commit), others keep Visitor busy.
  let failure: unknown;
  await pool(engageResult.locations, deps.concurrency * STEPS_PER_REQUEST_SLOT, async (l) => {
    const body = locationBody(l);
    const print = createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 16);
    const link = mapped.get(l.id);
    const linked = link ? byId.get(link.visitorId) : byExternalId.get(String(l.id));
    if (linked && link?.fingerprint === print && link.status === 'linked') {
      counts.unchanged++;
      return;
    }
    try {
      if (linked) {
        // Matched by Engage id: bring name/address in line (also when adopting one created earlier).
        const same = link !== undefined && link.fingerprint === print;
        if (!dryRun) {
          if (!same) await visitor.replaceLocation(linked.id, { ...body, id: linked.id });
          await store.saveLocation(l.id, linked.id, print, 'linked');
        }
        if (same) counts.unchanged++;
        else {
          counts.updated++;
          log.push(entry(l.id, linked.id, 'update', 'updated'));
        }
        return;
      }
      if (dryRun) {
        counts.created++;
        log.push(entry(l.id, null, 'create', 'created'));
        return;
      }
      const { location, adopted } = await visitor.createLocation(body);
      await store.saveLocation(l.id, location.id, print, 'linked');
      counts.created++;
      log.push(entry(l.id, location.id, adopted ? 'adopt' : 'create', adopted ? 'adopted' : 'created'));
    } catch (err) {
      // One location Visitor refuses (say, a time zone it does not know) must not stop the run:
      // its users simply get no access there until it is fixed.
      if (!(err instanceof VisitorScimError) || err instanceof VisitorAuthError || err.retryable) throw err;
      counts.failed++;
      log.push(
        entry(l.id, linked?.id ?? null, linked ? 'update' : 'create', 'failed', {
          status: err.status ?? null,
          scimType: err.scimType ?? null,
          detail: err.detail ?? null,
        }),
      );
    }
  }).catch((err: unknown) => {
    failure = err;
  });
  if (failure) {
    // What this attempt wrote is logged before its error fails it (the retry finds those unchanged).
    await store.log(log).catch(() => undefined);
    throw failure;
  }
  const orphans: Promise<void>[] = [];
  for (const [engageId, link] of mapped) {
    if (active.has(engageId) || link.status === 'orphaned') continue;
    counts.orphaned++;
    // Together, so they share one group commit rather than waiting out its linger one by one.
    if (!dryRun) orphans.push(store.saveLocation(engageId, link.visitorId, link.fingerprint, 'orphaned'));
    log.push(
      entry(engageId, link.visitorId, 'report', 'orphaned', {
        reason: 'the Engage location is gone; the Visitor location is kept',
      }),
    );
  }
  const failed = (await Promise.allSettled(orphans)).find((r) => r.status === 'rejected');
  if (failed) {
    await store.log(log).catch(() => undefined);
    throw failed.reason;
  }
  await store.log(log);
  return { defaultLocationId: def.id, counts };
}
