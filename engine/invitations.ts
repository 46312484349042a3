// Delayed invitations: sent in pages when their run's timer fires. The send endpoint is idempotent,
// so a retried page never e-mails anyone twice; users deleted meanwhile are skipped.
import { Context } from '@temporalio/activity';
import { VisitorNotFoundError, VisitorRejectedError } from '../../scim/errors';
import type { SyncDeps } from './deps';
import type { LogEntry } from './state-store';

export async function sendPendingInvitationsActivity(
  deps: SyncDeps,
  { runId, limit }: { runId: string; limit: number },
): Promise<{ sent: number; skipped: number; remaining: number }> {
  const rows = await deps.store.pendingInvitations(runId, limit);
  const engage = await deps.engage.usersByIds(rows.map((r) => r.engage_user_id));
  const stillActive = new Set(engage.users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id));
  let sent = 0;
  let skipped = 0;
  const log: LogEntry[] = [];
  for (const r of rows) {
    const entry = (outcome: string, reason?: string): LogEntry => ({
      run_id: runId,
      object_type: 'user',
      engage_id: r.engage_user_id,
      visitor_id: r.visitor_user_id,
      user_name: null,
      action: 'invite',
      outcome,
      attributes: null,
      duration_ms: null,
      detail: reason ? { reason } : null,
    });
    if (!r.visitor_user_id || r.deprovisioned || !stillActive.has(r.engage_user_id)) {
      await deps.store.setInvitation(r.engage_user_id, 'skipped');
      log.push(entry('skipped', 'the user was deleted or deactivated before the invitation was due'));
      skipped++;
      continue;
    }
    try {
      const res = await deps.visitor.sendInvitation(r.visitor_user_id);
      await deps.store.setInvitation(r.engage_user_id, 'sent', new Date(res.sentAt));
      log.push(entry('invited'));
      sent++;
    } catch (err) {
      // Gone from Visitor, or refused for this one user (say, deactivated there by hand): skip it,
      // never the rest of the batch.
      if (!(err instanceof VisitorNotFoundError) && !(err instanceof VisitorRejectedError)) throw err;
      await deps.store.setInvitation(r.engage_user_id, 'skipped');
      log.push(
        entry(
          'skipped',
          err instanceof VisitorNotFoundError
            ? 'the user no longer exists in Visitor'
            : 'Visitor refused the invitation for this user',
        ),
      );
      skipped++;
    }
    Context.current().heartbeat(sent + skipped);
  }
  await deps.store.log(log);
  const remaining = rows.length < limit ? 0 : (await deps.store.pendingInvitations(runId, 1)).length;
  return { sent, skipped, remaining };
}

export async function cancelPendingInvitationsActivity(
  deps: SyncDeps,
  { runId }: { runId: string },
): Promise<{ cancelled: number }> {
  const cancelled = await deps.store.cancelInvitations(runId);
  await deps.store.logRunEvent(runId, 'invitations', 'cancelled', { cancelled });
  return { cancelled };
}

export async function countPendingInvitationsActivity(
  deps: SyncDeps,
  { runId }: { runId: string },
): Promise<{ pending: number }> {
  return { pending: await deps.store.countPendingInvitations(runId) };
}
