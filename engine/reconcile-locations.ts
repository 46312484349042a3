// Locations first: every active Engage location exists in Visitor (created when missing, matched by
// Engage id afterwards, updated when its name or address changes). Visitor locations are never
// deleted; one whose Engage location is gone is reported as orphaned. A Visitor location that existed
// before the sync (the HQ, Visitor's default) is never duplicated: one that looks like an unlinked
// Engage location is proposed, and that location waits for the operator's match or refusal.
// Writes to Visitor, so it heartbeats, stops before its next write once cancelled, and writes only
// while it holds the run's locations fence (engine/attempt-fence.ts): never beside its own retry.
import { canonicalJson, sha256Hex } from '../domain/fingerprint';
import { type AmbiguousMatch, type MatchProposal, proposeLocationMatches } from '../domain/location-match';
import type { LocationCounts } from '../domain/run-types';
import { type VisitorScimError, visitorErrorKind } from '../scim/errors';
import { type AttemptFence, throwIfStopped, UNFENCED } from './attempt-fence';
import { noProgress } from './defaults';
import type { Engine } from './engine';
import { noDefaultLocation } from './errors';
import { locationEntry } from './log-entries';
import { pool, STEPS_PER_REQUEST_SLOT } from './pool';
import type { LogEntry, Progress } from './ports';
import { locationBody, locationOperations } from './visitor-mapping';

export async function reconcileLocations(
  engine: Engine,
  { runId, dryRun }: { runId: string; dryRun: boolean },
  { progress = noProgress, fence = UNFENCED }: { progress?: Progress; fence?: AttemptFence } = {},
): Promise<{ defaultLocationId: string; counts: LocationCounts }> {
  const { visitor, store, engage } = engine;
  const [visitorLocations, engageResult, mapped, matches] = await Promise.all([
    visitor.listLocations(),
    engage.allActiveLocations(),
    store.locationMap(),
    store.locationMatches(),
  ]);
  const counts: LocationCounts = {
    created: 0,
    updated: 0,
    unchanged: 0,
    matched: 0,
    awaitingMatch: 0,
    orphaned: 0,
    failed: 0,
  };
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
  const linkedTo = new Map<string, number>();
  for (const [engageId, link] of mapped) if (link.status === 'linked') linkedTo.set(link.visitorId, engageId);
  const { proposals, ambiguous } = proposalsFor(engageResult.locations, visitorLocations, {
    mapped,
    matches,
    byId,
    byExternalId,
    linkedTo,
  });
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
            const ops = locationOperations(l, linked);
            if (ops.length > 0) await visitor.patchLocation(linked.id, ops);
          }
          await store.saveLocation(l.id, linked.id, print, 'linked');
        }
        if (same) counts.unchanged++;
        else {
          counts.updated++;
          log.push(entry(l.id, linked.id, 'update', 'updated', { plan: print }));
        }
        return;
      }
      const choice = matches.get(l.id);
      // A match applies once: a location linked by it and later removed in Visitor is created again.
      if (choice?.decision === 'match' && !link) {
        const target = byId.get(choice.visitorLocationId!);
        const refusal = matchRefusal(l.id, choice.visitorLocationId!, target, linkedTo);
        if (refusal) {
          counts.failed++;
          log.push(
            entry(l.id, choice.visitorLocationId, 'match', 'failed', { reason: refusal, plan: print }),
          );
          return;
        }
        if (!dryRun) {
          // The existing site becomes this Engage location's: its externalId, name and address.
          const ops = locationOperations(l, target!, { keepUnset: true });
          if (ops.length > 0) {
            await beforeWrite();
            await visitor.patchLocation(target!.id, ops);
          }
          await store.saveLocation(l.id, target!.id, print, 'linked');
        }
        counts.matched++;
        log.push(
          entry(l.id, target!.id, 'match', 'matched', {
            default: target!.isDefault,
            by: 'operator',
            plan: print,
          }),
        );
        return;
      }
      const proposal = choice ? undefined : proposals.get(l.id);
      if (proposal) {
        // Never a duplicate site: not created until the operator says which it is.
        counts.awaitingMatch++;
        log.push(
          locationEntry(runId, l.id, 'propose-match', dryRun ? 'planned' : 'held', {
            visitor_id: proposal.visitorLocationId,
            detail: proposalDetail(l.id, proposal, byId.get(proposal.visitorLocationId)!.name),
          }),
        );
        return;
      }
      const alike = choice ? undefined : ambiguous.get(l.id);
      if (alike) {
        counts.awaitingMatch++;
        log.push(
          locationEntry(runId, l.id, 'propose-match', dryRun ? 'planned' : 'held', {
            detail: ambiguousDetail(l.id, alike),
          }),
        );
        return;
      }
      const refused =
        choice?.decision === 'separate' && choice.visitorLocationId
          ? { refused_match: choice.visitorLocationId, plan: print }
          : { plan: print };
      if (dryRun) {
        counts.created++;
        log.push(entry(l.id, null, 'create', 'created', refused));
        return;
      }
      await beforeWrite();
      const { location, adopted } = await visitor.createLocation(body);
      await store.saveLocation(l.id, location.id, print, 'linked');
      counts.created++;
      log.push(
        entry(l.id, location.id, adopted ? 'adopt' : 'create', adopted ? 'adopted' : 'created', refused),
      );
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

type VisitorLocation = Awaited<ReturnType<Engine['visitor']['listLocations']>>[number];
type EngageLocationRow = Awaited<ReturnType<Engine['engage']['allActiveLocations']>>['locations'][number];

/**
 * Proposals for the Engage locations no Visitor location carries yet and no operator has decided on,
 * among Visitor locations nothing claims (no externalId, no link, no operator match).
 */
function proposalsFor(
  engageLocations: readonly EngageLocationRow[],
  visitorLocations: readonly VisitorLocation[],
  s: {
    mapped: Map<number, { visitorId: string; status: string }>;
    matches: Map<number, { decision: string; visitorLocationId: string | null }>;
    byId: Map<string, VisitorLocation>;
    byExternalId: Map<string, VisitorLocation>;
    linkedTo: Map<string, number>;
  },
): { proposals: Map<number, MatchProposal>; ambiguous: Map<number, AmbiguousMatch> } {
  const chosen = new Set<string>();
  for (const m of s.matches.values())
    if (m.decision === 'match' && m.visitorLocationId) chosen.add(m.visitorLocationId);
  const unlinked = engageLocations.filter((l) => {
    const link = s.mapped.get(l.id);
    const linked = link ? s.byId.get(link.visitorId) : s.byExternalId.get(String(l.id));
    return !linked && !s.matches.has(l.id);
  });
  if (unlinked.length === 0) return { proposals: new Map(), ambiguous: new Map() };
  const free = visitorLocations.filter((v) => !v.externalId && !s.linkedTo.has(v.id) && !chosen.has(v.id));
  const { proposals, ambiguous } = proposeLocationMatches(
    unlinked.map((l) => ({ id: l.id, name: l.name, address: l.address, city: l.city })),
    free.map((v) => ({
      id: v.id,
      name: v.name,
      streetAddress: v.address?.streetAddress ?? null,
      locality: v.address?.locality ?? null,
      isDefault: v.isDefault,
    })),
  );
  return {
    proposals: new Map(proposals.map((p) => [p.engageLocationId, p])),
    ambiguous: new Map(ambiguous.map((a) => [a.engageLocationId, a])),
  };
}

function ambiguousDetail(engageId: number, a: AmbiguousMatch): Record<string, unknown> {
  return {
    reason: `looks equally like ${a.candidates.length === 1 ? 'an existing Visitor location another Engage location also looks like' : `${a.candidates.length} existing Visitor locations`}; not created until an operator decides`,
    candidates: a.candidates,
    confirm: `npm run sync -- locations match ${engageId} <one of: ${a.candidates.join(', ')}>`,
    refuse: `npm run sync -- locations separate ${engageId}`,
  };
}

/** Why an operator's match cannot be applied now, or null when it can. */
function matchRefusal(
  engageId: number,
  visitorId: string,
  target: VisitorLocation | undefined,
  linkedTo: Map<string, number>,
): string | null {
  if (!target)
    return `the matched Visitor location ${visitorId} no longer exists; match another or run: npm run sync -- locations forget ${engageId}`;
  if (target.externalId !== undefined && target.externalId !== String(engageId))
    return `the matched Visitor location ${visitorId} already carries externalId ${target.externalId}`;
  const other = linkedTo.get(visitorId);
  if (other !== undefined && other !== engageId)
    return `the matched Visitor location ${visitorId} is already Engage location ${other}'s`;
  return null;
}

function proposalDetail(engageId: number, p: MatchProposal, visitorName: string): Record<string, unknown> {
  return {
    reason: `looks like the existing Visitor location "${visitorName}"${p.isDefault ? " (Visitor's default)" : ''}; not created until an operator decides`,
    by: p.by,
    default: p.isDefault,
    confirm: `npm run sync -- locations match ${engageId} ${p.visitorLocationId}`,
    refuse: `npm run sync -- locations separate ${engageId}`,
  };
}
