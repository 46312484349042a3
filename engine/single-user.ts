// Per-user provisioning: the same plan-and-apply as a page, for one Engage id, now. A deletion spends
// the deletion budget every path shares, and is held for the pending decision when it has no room.
import { administeredEngageLocationIds } from '../domain/access';
import { planInputOf } from '../domain/plan-input';
import type { Outcome } from '../domain/run-types';
import { type DecisionRef, settleDeletions } from './deletion-guard';
import { applyDeletions } from './deletions';
import type { Engine } from './engine';
import { conflictsFor } from './identity-conflicts';
import { contextDigestOf, userRunLocationContext } from './location-context';
import { invalidRowEntry } from './log-entries';
import type { Progress } from './ports';
import { reconcileUser } from './reconcile-user';

export interface SingleUserInput {
  runId: string;
  engageUserId: number;
  dryRun: boolean;
  /** Who started the run (engage-scim, cli:<user>); absent from workflows older than it. */
  startedBy?: string;
  /** The run's workflow id; absent from workflows older than it (their run id is `<workflowId>@<run>`). */
  workflowId?: string;
}

export interface SingleUserResult {
  outcome: Outcome;
  invitationDueAtMs: number | null;
  /** The id is in neither Engage nor the sync state: no such user (the CLI says so). */
  unknownUser?: true;
  /** The decision the user's deletion is held for (its workflow must run); absent when none. */
  deletionHeld?: DecisionRef;
}

export async function reconcileSingleUser(
  engine: Engine,
  { runId, engageUserId, dryRun, startedBy, workflowId }: SingleUserInput,
  attempt: number,
  progress: Progress,
): Promise<SingleUserResult> {
  const { store } = engine;
  const startedAtMs = engine.clock.now();
  const [lookup, states, failures] = await Promise.all([
    engine.engage.userById(engageUserId),
    store.usersByIds([engageUserId]),
    store.failuresByIds([engageUserId]),
  ]);
  const engage = lookup.status === 'found' ? lookup.user : null;
  const state = states.get(engageUserId) ?? null;
  // The worker's shared read (no Visitor call in a burst); read again when this user's state is newer.
  const locations = await userRunLocationContext(engine, {
    state,
    engageLocationIds: engage ? administeredEngageLocationIds(engage, engine.settings.options) : [],
  });
  await store.openRun({
    id: runId,
    kind: dryRun ? 'user-dry-run' : 'user',
    workflowId: workflowId ?? runId.split('@')[0]!,
    startedBy: startedBy ?? 'provision-user',
    dryRun,
  });
  if (lookup.status === 'invalid') {
    if (!dryRun)
      await store.recordFailure(engageUserId, runId, ['invalid_row'], { reason: lookup.invalid.reason });
    await store.log([invalidRowEntry(runId, engageUserId, lookup.invalid.reason, dryRun)]);
    await store.setRunStatus(runId, 'completed', { counts: { failed: 1 }, finished: true });
    engine.metrics?.runFinished(
      dryRun ? 'user-dry-run' : 'user',
      'completed',
      engine.clock.now() - startedAtMs,
    );
    return { outcome: 'failed', invitationDueAtMs: null };
  }
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
      deferDeletes: true,
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
  let outcome: Outcome;
  let deletionHeld: DecisionRef | undefined;
  if (r.outcome === 'pendingDeletion') {
    const settled = await settleUserDeletion(engine, runId, dryRun, progress);
    outcome = settled.outcome;
    deletionHeld = settled.decision;
  } else {
    outcome = r.outcome;
    if (!dryRun) engine.metrics?.outcomes({ [outcome]: 1 });
  }
  await store.setRunStatus(runId, 'completed', { counts: { [outcome]: 1 }, finished: true });
  engine.metrics?.runFinished(
    dryRun ? 'user-dry-run' : 'user',
    'completed',
    engine.clock.now() - startedAtMs,
  );
  const s = engine.settings.invitations;
  return {
    outcome,
    ...(lookup.status === 'missing' && state === null ? { unknownUser: true as const } : {}),
    ...(deletionHeld ? { deletionHeld } : {}),
    // From the state, not the result: a retried attempt finds the user it created "unchanged".
    invitationDueAtMs:
      s.mode === 'delay' && (r.invitationPending || (await store.countPendingInvitations(runId)) > 0)
        ? now.getTime() + s.delayMs
        : null,
  };
}

/**
 * The user's deletion, through the guard: applied when the budget has room (deprovisionLeavers logs
 * it), otherwise held. A retried attempt finds the deletion already applied: 'unchanged'.
 */
async function settleUserDeletion(
  engine: Engine,
  runId: string,
  dryRun: boolean,
  progress: Progress,
): Promise<{ outcome: Outcome; decision?: DecisionRef }> {
  const s = await settleDeletions(engine, { runId, path: 'user', dryRun });
  if (s.outcome === 'held')
    return { outcome: 'held', ...(s.decision.id > 0 ? { decision: s.decision } : {}) };
  if (s.outcome === 'refused') return { outcome: 'skipped' };
  // The user is held for the pending decision already: a run never deletes what an operator is asked about.
  if (s.outcome === 'apply' && s.held > 0 && s.decision) return { outcome: 'held', decision: s.decision };
  if (s.outcome === 'none') return { outcome: 'unchanged' };
  if (dryRun) return { outcome: 'deleted' };
  const done = await applyDeletions(engine, { runId, limit: 1 }, progress);
  const outcome: Outcome = done.counts.deactivated
    ? 'deactivated'
    : done.counts.deleted
      ? 'deleted'
      : 'unchanged';
  return { outcome };
}
