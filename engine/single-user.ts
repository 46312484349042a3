// Per-user provisioning: the same plan-and-apply as a page, for one Engage id, now. Deletions apply
// at once (the bulk-deletion threshold guards runs, not one user).
import { Context } from '@temporalio/activity';
import { planInputOf } from '../../domain/plan-input';
import type { Outcome } from '../../domain/run-types';
import type { SyncDeps } from './deps';
import { contextDigestOf, loadLocationContext } from './location-context';
import { processUser } from './process-user';
import { conflictsFor } from './user-pages';

export async function syncSingleUserActivity(
  deps: SyncDeps,
  { runId, engageUserId, dryRun }: { runId: string; engageUserId: number; dryRun: boolean },
): Promise<{ outcome: Outcome; invitationDueAtMs: number | null }> {
  const [lookup, states, failures, locations] = await Promise.all([
    deps.engage.userById(engageUserId),
    deps.store.usersByIds([engageUserId]),
    deps.store.failuresByIds([engageUserId]),
    loadLocationContext(deps),
  ]);
  await deps.store.db
    .insertInto('sync.runs')
    .values({
      id: runId,
      kind: dryRun ? 'user-dry-run' : 'user',
      status: 'running',
      workflow_id: runId.split('@')[0]!,
      started_by: 'provision-user',
      dry_run: dryRun,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  if (lookup.status === 'invalid') {
    if (!dryRun)
      await deps.store.recordFailure(engageUserId, runId, ['invalid_row'], { reason: lookup.invalid.reason });
    await deps.store.log([
      {
        run_id: runId,
        object_type: 'user',
        engage_id: engageUserId,
        visitor_id: null,
        user_name: null,
        action: 'read',
        outcome: dryRun ? 'planned' : 'failed',
        attributes: null,
        duration_ms: null,
        detail: { reason: `malformed Engage row: ${lookup.invalid.reason}` },
      },
    ]);
    await deps.store.setRunStatus(runId, 'completed', { counts: { failed: 1 }, finished: true });
    return { outcome: 'failed', invitationDueAtMs: null };
  }
  const engage = lookup.status === 'found' ? lookup.user : null;
  const state = states.get(engageUserId) ?? null;
  const active = engage?.active && engage.deletedAt === null ? [engageUserId] : [];
  const conflicts = await conflictsFor(deps, active, states);
  const now = new Date();
  const r = await processUser(
    deps,
    {
      runId,
      dryRun,
      full: false,
      invitations: deps.settings.invitations,
      locations,
      options: deps.settings.options,
      deferDeletes: false,
      now,
      attempt: Context.current().info.attempt,
    },
    {
      engageUserId,
      engage,
      state,
      ...(engage?.sourceDigest
        ? { planInput: planInputOf(contextDigestOf(locations, deps.settings.options), engage.sourceDigest) }
        : {}),
      ...(failures.get(engageUserId) ? { failure: failures.get(engageUserId)! } : {}),
      ...(conflicts.get(engageUserId) ? { conflict: conflicts.get(engageUserId)! } : {}),
    },
  );
  if (r.log) await deps.store.log([r.log]);
  const outcome: Outcome = r.outcome === 'pendingDeletion' ? 'deleted' : r.outcome;
  if (!dryRun) deps.metrics?.outcomes({ [outcome]: 1 });
  await deps.store.setRunStatus(runId, 'completed', { counts: { [outcome]: 1 }, finished: true });
  const s = deps.settings.invitations;
  return {
    outcome,
    // From the state, not the result: a retried attempt finds the user it created "unchanged".
    invitationDueAtMs:
      s.mode === 'delay' && (r.invitationPending || (await deps.store.countPendingInvitations(runId)) > 0)
        ? now.getTime() + s.delayMs
        : null,
  };
}
