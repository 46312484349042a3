// Per-user provisioning: the same plan-and-apply as a page, for one Engage id, now. Deletions apply
// at once (the bulk-deletion threshold guards runs, not one user).
import { planInputOf } from '../domain/plan-input';
import type { Outcome } from '../domain/run-types';
import type { Engine } from './engine';
import { conflictsFor } from './identity-conflicts';
import { contextDigestOf, loadLocationContext } from './location-context';
import { invalidRowEntry } from './log-entries';
import { reconcileUser } from './reconcile-user';

export interface SingleUserInput {
  runId: string;
  engageUserId: number;
  dryRun: boolean;
}

export interface SingleUserResult {
  outcome: Outcome;
  invitationDueAtMs: number | null;
}

export async function reconcileSingleUser(
  engine: Engine,
  { runId, engageUserId, dryRun }: SingleUserInput,
  attempt: number,
): Promise<SingleUserResult> {
  const { store } = engine;
  const [lookup, states, failures, locations] = await Promise.all([
    engine.engage.userById(engageUserId),
    store.usersByIds([engageUserId]),
    store.failuresByIds([engageUserId]),
    loadLocationContext(engine),
  ]);
  await store.openRun({
    id: runId,
    kind: dryRun ? 'user-dry-run' : 'user',
    workflowId: runId.split('@')[0]!,
    startedBy: 'provision-user',
    dryRun,
  });
  if (lookup.status === 'invalid') {
    if (!dryRun)
      await store.recordFailure(engageUserId, runId, ['invalid_row'], { reason: lookup.invalid.reason });
    await store.log([invalidRowEntry(runId, engageUserId, lookup.invalid.reason, dryRun)]);
    await store.setRunStatus(runId, 'completed', { counts: { failed: 1 }, finished: true });
    return { outcome: 'failed', invitationDueAtMs: null };
  }
  const engage = lookup.status === 'found' ? lookup.user : null;
  const state = states.get(engageUserId) ?? null;
  const active = engage?.active && engage.deletedAt === null ? [engageUserId] : [];
  const conflicts = await conflictsFor(engine, active, states);
  const now = new Date(engine.clock.now());
  const failure = failures.get(engageUserId);
  const conflict = conflicts.get(engageUserId);
  const r = await reconcileUser(
    engine,
    {
      runId,
      dryRun,
      full: false,
      invitations: engine.settings.invitations,
      locations,
      options: engine.settings.options,
      deferDeletes: false,
      now,
      attempt,
    },
    {
      engageUserId,
      engage,
      state,
      ...(engage?.sourceDigest
        ? { planInput: planInputOf(contextDigestOf(locations, engine.settings.options), engage.sourceDigest) }
        : {}),
      ...(failure ? { failure } : {}),
      ...(conflict ? { conflict } : {}),
    },
  );
  if (r.log) await store.log([r.log]);
  const outcome: Outcome = r.outcome === 'pendingDeletion' ? 'deleted' : r.outcome;
  if (!dryRun) engine.metrics?.outcomes({ [outcome]: 1 });
  await store.setRunStatus(runId, 'completed', { counts: { [outcome]: 1 }, finished: true });
  const s = engine.settings.invitations;
  return {
    outcome,
    // From the state, not the result: a retried attempt finds the user it created "unchanged".
    invitationDueAtMs:
      s.mode === 'delay' && (r.invitationPending || (await store.countPendingInvitations(runId)) > 0)
        ? now.getTime() + s.delayMs
        : null,
  };
}
