// What a user's plan is computed from, as a short digest: the Engage row (digested where it is read)
// and the planning context (locations, options, the rules themselves). A state saved from a plan
// records it; a later run that finds the same input knows the plan would be "unchanged" again and
// passes the user over without reading or planning it (the daily run's main cost at 100k users).
import { canonicalJson, sha256Hex } from './fingerprint';
import type { SyncOptions } from './types';

/**
 * Version of the planning rules (domain/*). Bump it whenever a change to them can plan a different
 * result for the same Engage row and context: every stored plan input then stops matching, and the
 * next run re-plans every user once. test/domain/plan-input.test.ts fails until it is bumped.
 */
export const RULES_VERSION = 2;

export interface PlanContextInput {
  defaultLocationId: string;
  allVisitorLocationIds: readonly string[];
  locationMap: ReadonlyMap<number, string>;
  options: SyncOptions;
}

/** Everything a plan depends on besides the user's own row and state; 16 hex digits are plenty here. */
export function planContextDigest(ctx: PlanContextInput): string {
  const locationMap = [...ctx.locationMap].sort(([a], [b]) => a - b);
  const json = canonicalJson({
    rules: RULES_VERSION,
    defaultLocationId: ctx.defaultLocationId,
    allVisitorLocationIds: [...ctx.allVisitorLocationIds].sort(),
    locationMap,
    options: ctx.options,
  });
  return sha256Hex(json).slice(0, 16);
}

/** The value stored with a state planned from this row digest under this context. */
export function planInputOf(contextDigest: string, sourceDigest: string): string {
  return `${contextDigest}:${sourceDigest}`;
}
