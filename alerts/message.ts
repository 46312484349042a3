// The webhook body: `text`, one line for people (Slack and Microsoft Teams incoming webhooks show it),
// and `evs`, the same alert as data for automation. Ids and counts only: never a user's name or e-mail.
import type { Alert } from './decide';

export interface WebhookBody {
  text: string;
  evs: {
    /** Bumped when a field changes meaning. */
    version: 1;
    kind: Alert['kind'];
    /** The tenant id; null for the configured company. */
    tenant: string | null;
    /** The alert's dedupe key: the same event always has the same key. */
    key: string;
    /** The command that acts on it. */
    command: string;
    [field: string]: unknown;
  };
}

const company = (tenant: string | undefined) => (tenant ? `tenant ${tenant}` : 'the configured company');

/** `npm run <program> -- <args>`, with the tenant flag when the alert is a tenant's. */
const cli = (program: string, args: string, tenant: string | undefined) =>
  `npm run ${program} -- ${args}${tenant ? ` --tenant ${tenant}` : ''}`;

/** "3d 4h", "5h 10m", "12m": how long, for people. */
export function formatAge(ms: number): string {
  const m = Math.floor(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m % 60}m`;
  return `${m}m`;
}

export function webhookBody(a: Alert): WebhookBody {
  const { text, command, fields } = describe(a);
  return {
    text: `[engage-visitor-sync] ${company(a.tenant)}: ${text} — ${command}`,
    evs: { version: 1, kind: a.kind, tenant: a.tenant ?? null, key: a.key, command, ...fields },
  };
}

function describe(a: Alert): { text: string; command: string; fields: Record<string, unknown> } {
  switch (a.kind) {
    case 'run-failed':
      return {
        text: `the ${a.dryRun ? 'dry ' : ''}${a.runKind} run ${a.runId} failed`,
        command: cli('log', `--run ${a.runId}`, a.tenant),
        fields: {
          runId: a.runId,
          runKind: a.runKind,
          dryRun: a.dryRun,
          finishedAt: a.finishedAt.toISOString(),
        },
      };
    case 'awaiting-decision':
      return a.type === 'plan-review'
        ? {
            text: `run ${a.id} waits for a decision on its held deletions`,
            command: `${cli('sync', `approve ${a.id}`, a.tenant)} (or reject)`,
            fields: { type: a.type, runId: a.id, since: a.since.toISOString() },
          }
        : {
            text: `deletion decision ${a.id} waits for approval${a.expiresAt ? ` (expires as rejected ${a.expiresAt.toISOString()})` : ''}`,
            command: `${cli('sync', 'approve', a.tenant)} (or reject)`,
            fields: {
              type: a.type,
              decisionId: a.id,
              since: a.since.toISOString(),
              expiresAt: a.expiresAt?.toISOString() ?? null,
            },
          };
    case 'sync-stale':
      return {
        text: a.lastSuccessRunId
          ? `no initial or daily sync has succeeded for ${formatAge(a.ageMs)} (last: ${a.lastSuccessRunId}; the schedule runs every ${formatAge(a.intervalMs)})`
          : `no initial or daily sync has ever succeeded (expected for ${formatAge(a.ageMs)}; the schedule runs every ${formatAge(a.intervalMs)})`,
        command: cli('sync', 'status', a.tenant),
        fields: {
          lastSuccessRunId: a.lastSuccessRunId,
          lastSuccessAt: a.lastSuccessAt?.toISOString() ?? null,
          ageSeconds: Math.round(a.ageMs / 1000),
          intervalSeconds: Math.round(a.intervalMs / 1000),
        },
      };
    case 'users-quarantined':
      return {
        text: `${a.count} user${a.count === 1 ? ' is' : 's are'} quarantined after repeated failures`,
        command: cli('sync', 'status', a.tenant),
        fields: { count: a.count },
      };
  }
}
