// Locations first: every active Engage location exists in Visitor (created when missing, matched by
// Engage id afterwards, updated when its name or address changes). Visitor locations are never
// deleted; one whose Engage location is gone is reported as orphaned.
// Writes to Visitor, so it heartbeats, stops before its next write once cancelled, and writes only
// while it holds the run's locations fence (engine/attempt-fence.ts): never beside its own retry.
import { canonicalJson, sha256Hex } from '../domain/fingerprint';
import type { LocationCounts } from '../domain/run-types';
import { type VisitorScimError, visitorErrorKind } from '../scim/errors';
import { type AttemptFence, throwIfStopped, UNFENCED } from './attempt-fence';
import { noProgress } from './defaults';
import type { Engine } from './engine';
import { noDefaultLocation } from './errors';
import { locationEntry } from './log-entries';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import type { LogEntry, Progress } from './ports';
import { locationBody } from './visitor-mapping';

export async function reconcileLocations(
  engine: Engine,
  { runId, dryRun }: { runId: string; dryRun: boolean },
  { progress = noProgress, fence = UNFENCED }: { progress?: Progress; fence?: AttemptFence } = {},
): Promise<{ defaultLocationId: string; counts: LocationCounts }> {
  const { visitor, store, engage } = engine;
  const [visitorLocations, engageResult, mapped] = await Promise.all([
    visitor.listLocations(),
    engage.allActiveLocations(),
    store.locationMap(),
  ]);
  const counts: LocationCounts = { created: 0, updated: 0, unchanged: 0, orphaned: 0, failed: 0 };
  // Once the reads are done, then at most once a second (the Progress contract).
  let lastBeat = engine.clock.now();
  progress.beat({ locations: { ...counts } });
  const beat = () => {
    if (engine.clock.now() - lastBeat < 1000) return;
    lastBeat = engine.clock.now();
    progress.beat({ locations: { ...counts } });
  };
  /** Before each write to Visitor: not once cancelled, and only while this attempt holds the fence. */
  const beforeWrite = async () => {
    throwIfStopped(progress);
    await fence.assertHolder();
  };
  const def = visitorLocations.find((l) => l.isDefault);
  if (!def) throw noDefaultLocation();
  const byId = new Map(visitorLocations.map((l) => [l.id, l]));
  const byExternalId = new Map(visitorLocations.filter((l) => l.externalId).map((l) => [l.externalId!, l]));
  const log: LogEntry[] = [];
  const entry = (
    engageId: number,
    visitorId: string | null,
    action: string,
    outcome: string,
    detail?: Record<string, unknown>,
  ) =>
    locationEntry(runId, engageId, action, dryRun ? 'planned' : outcome, {
      visitor_id: visitorId,
      detail: detail ?? null,
    });

  for (const bad of engageResult.invalid)
    log.push(entry(bad.id, null, 'validate', 'failed', { reason: bad.reason }));
  // A malformed row is still a location in Engage: reported as invalid, never as gone.
  const active = new Set([
    ...engageResult.locations.map((l) => l.id),
    ...engageResult.invalid.map((l) => l.id),
  ]);
  // Side by side, each location its own idempotent step: one at a time, an initial sync's location
  // creates held back the first user page.
  const step = async (l: (typeof engageResult.locations)[number]): Promise<void> => {
    const body = locationBody(l);
    const print = sha256Hex(canonicalJson(body)).slice(0, 16);
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
          if (!same) {
            await beforeWrite();
            await visitor.replaceLocation(linked.id, { ...body, id: linked.id });
          }
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
      await beforeWrite();
      const { location, adopted } = await visitor.createLocation(body);
      await store.saveLocation(l.id, location.id, print, 'linked');
      counts.created++;
      log.push(entry(l.id, location.id, adopted ? 'adopt' : 'create', adopted ? 'adopted' : 'created'));
    } catch (err) {
      // One location Visitor refuses (say, a time zone it does not know) must not stop the run:
      // its users simply get no access there until it is fixed.
      const kind = visitorErrorKind(err);
      if (kind === null || kind === 'auth' || kind === 'transient' || kind === 'throttled') throw err;
      const e = err as VisitorScimError;
      counts.failed++;
      log.push(
        entry(l.id, linked?.id ?? null, linked ? 'update' : 'create', 'failed', {
          status: e.status ?? null,
          scimType: e.scimType ?? null,
          detail: e.detail ?? null,
        }),
      );
    }
  };
  let failure: unknown;
  await pool(engageResult.locations, engine.concurrency * STEPS_PER_REQUEST_SLOT, async (l) => {
    await step(l);
    beat();
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
