// Engage users sharing one identity (e-mail) can't all be in Visitor: which of them may be, resolved
// with what the sync already linked (domain/identity-conflicts.ts holds the rule).
import { type IdentityConflictOutcome, resolveIdentityGroup } from '../domain/identity-conflicts';
import { type IdentityConflictGroup, identityHash } from '../engage/reader';
import type { Engine } from './engine';
import type { StoredUser } from './ports';

/**
 * Every identity group of Engage for a run, read at most once a minute per run and worker. The query
 * scans all Engage users: asked once per page, it made a run quadratic in the number of users.
 */
export function runIdentityGroups(engine: Engine, runId: string): Promise<IdentityConflictGroup[]> {
  return engine.identityGroups.get(runId, () => engine.engage.identityConflicts());
}

/**
 * Identity conflicts touching these users. With a run id, the run's cached groups are filtered;
 * without one (a single user), Engage is asked for the groups of these ids only: index lookups by their
 * identities, a cost that does not grow with Engage (engage/reader.ts identityConflictsOf).
 */
export async function conflictsFor(
  engine: Engine,
  ids: number[],
  states: Map<number, StoredUser>,
  runId?: string,
): Promise<Map<number, IdentityConflictOutcome>> {
  let groups: IdentityConflictGroup[];
  if (runId !== undefined && ids.length > 0) {
    const wanted = new Set(ids);
    groups = (await runIdentityGroups(engine, runId)).filter((g) => g.userIds.some((id) => wanted.has(id)));
  } else {
    groups = await engine.engage.identityConflicts(ids);
  }
  const out = new Map<number, IdentityConflictOutcome>();
  if (groups.length === 0) return out;
  const memberIds = groups.flatMap((g) => g.userIds).filter((id) => !states.has(id));
  const others = await engine.store.usersByIds(memberIds);
  for (const g of groups) {
    const outcomes = resolveIdentityGroup(
      g.userIds.map((id) => {
        const s = states.get(id) ?? others.get(id);
        return {
          engageUserId: id,
          linkedToVisitor: Boolean(
            s?.visitorUserId && !s.deprovisioned && identityHash(s.userName) === g.identityHash,
          ),
        };
      }),
    );
    for (const o of outcomes) out.set(o.engageUserId, o);
  }
  return out;
}
