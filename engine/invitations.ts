// Delayed invitations: sent in batches when their run's timer fires. The send endpoint is idempotent,
// so a retried batch never e-mails anyone twice; users deleted meanwhile are skipped. A real Visitor
// may e-mail twice for two sends in flight at once: the batch sends only while its attempt holds the
// run's invitations fence (engine/attempt-fence.ts), never beside its own retry.
import { visitorErrorKind } from '../scim/errors';
import { type AttemptFence, UNFENCED } from './attempt-fence';
import type { Engine } from './engine';
import { runEntry, userEntry } from './log-entries';
import type { LogEntry, Progress } from './ports';

export async function sendPendingInvitations(
  engine: Engine,
  { runId, limit }: { runId: string; limit: number },
  progress: Progress,
  fence: AttemptFence = UNFENCED,
): Promise<{ sent: number; skipped: number; remaining: number }> {
  const { store } = engine;
  const rows = await store.pendingInvitations(runId, limit);
  const engage = await engine.engage.usersByIds(rows.map((r) => r.engage_user_id));
  const stillActive = new Set(engage.users.filter((u) => u.active && u.deletedAt === null).map((u) => u.id));
  let sent = 0;
  let skipped = 0;
  const log: LogEntry[] = [];
  const entry = (r: (typeof rows)[number], outcome: string, reason?: string) =>
    userEntry(runId, r.engage_user_id, 'invite', outcome, {
      visitor_id: r.visitor_user_id,
      detail: reason ? { reason } : null,
    });
  const skip = async (r: (typeof rows)[number], reason: string) => {
    await store.setInvitation(r.engage_user_id, 'skipped');
    log.push(entry(r, 'skipped', reason));
    skipped++;
  };
  let failure: unknown;
  try {
    for (const r of rows) {
      if (progress.signal.aborted) break;
      if (!r.visitor_user_id || r.deprovisioned || !stillActive.has(r.engage_user_id)) {
        await skip(r, 'the user was deleted or deactivated before the invitation was due');
        continue;
      }
      try {
        await fence.assertHolder();
        const res = await engine.visitor.sendInvitation(r.visitor_user_id);
        await store.setInvitation(r.engage_user_id, 'sent', new Date(res.sentAt));
        log.push(entry(r, 'invited'));
        sent++;
      } catch (err) {
        // Gone from Visitor, or refused for this one user (say, deactivated there by hand): skip it,
        // never the rest of the batch.
        const kind = visitorErrorKind(err);
        if (kind !== 'notFound' && kind !== 'rejected') throw err;
        await skip(
          r,
          kind === 'notFound'
            ? 'the user no longer exists in Visitor'
            : 'Visitor refused the invitation for this user',
        );
      }
      progress.beat(sent + skipped);
    }
  } catch (err) {
    failure = err;
  }
  // What was sent is logged even when a later send fails the attempt (whose error wins).
  await store.log(log).catch((err: unknown) => {
    failure ??= err;
  });
  if (failure) throw failure;
  const complete = rows.length < limit && !progress.signal.aborted;
  const remaining = complete ? 0 : (await store.pendingInvitations(runId, 1)).length;
  return { sent, skipped, remaining };
}

export async function cancelPendingInvitations(
  engine: Engine,
  { runId }: { runId: string },
): Promise<{ cancelled: number }> {
  const cancelled = await engine.store.cancelInvitations(runId);
  await engine.store.log([runEntry(runId, 'invitations', 'cancelled', { cancelled })]);
  return { cancelled };
}

export async function countPendingInvitations(
  engine: Engine,
  { runId }: { runId: string },
): Promise<{ pending: number }> {
  return { pending: await engine.store.countPendingInvitations(runId) };
}
