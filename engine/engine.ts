// The reconcile engine as one value: its ports and the caches it keeps across the activities of a
// worker process. Free of Temporal: activities/ adapts it, tests drive it with fakes.
import type { PlanningSteps } from '../domain/planning-steps';
import type { IdentityConflictGroup } from '../engage/reader';
import type { DeletionGuardStore } from './deletion-guard-port';
import type { LocationContext } from './location-context';
import { createPlanningCache } from './planning-cache';
import type { EngineDeps } from './ports';
import { TtlCache } from './ttl-cache';
import type { VisitorUserIndex } from './visitor-user-index';

/** Every page of a run sees the same Visitor locations; re-read after this long. */
const LOCATION_CONTEXT_TTL_MS = 5 * 60_000;
/** Engage's identity groups scan every user: read at most once a minute per run. */
const IDENTITY_GROUPS_TTL_MS = 60_000;

/** The engine's ports: the world (ports.ts) and the deletion guard's store. */
export interface EngineWiring extends EngineDeps {
  guard: DeletionGuardStore;
  /** Counts deletion decisions opened and closed (metrics), if wanted. */
  decisionMetrics?: { decision(event: 'opened' | 'approved' | 'rejected' | 'expired'): void };
}

export interface Engine extends EngineWiring {
  readonly locationContexts: TtlCache<LocationContext>;
  readonly identityGroups: TtlCache<IdentityConflictGroup[]>;
  /** Dry runs: Visitor's users, to say which creates would adopt (engine/visitor-user-index.ts). */
  readonly visitorUsers: TtlCache<VisitorUserIndex | null>;
  /** The planning steps, memoised across the users, pages and runs of this worker. */
  readonly planning: PlanningSteps;
}

export function createEngine(deps: EngineWiring): Engine {
  return {
    ...deps,
    locationContexts: new TtlCache(LOCATION_CONTEXT_TTL_MS, deps.clock),
    identityGroups: new TtlCache(IDENTITY_GROUPS_TTL_MS, deps.clock),
    visitorUsers: new TtlCache(LOCATION_CONTEXT_TTL_MS, deps.clock),
    planning: createPlanningCache(),
  };
}
