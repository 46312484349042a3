// What the page shows above the search: recent runs and their outcomes, the last success of each
// kind, what waits for a decision and who is quarantined (state/operator-view.ts, as the metrics and
// alerts read them).
import { type Db, type RunRow, recentRuns } from '../clients/runs';
import {
  type AwaitingDecision,
  awaitingDecisions,
  failingUsersByCode,
  type LastSuccess,
  lastSuccesses,
  quarantinedCount,
  quarantinedUsers,
} from '../state/operator-view';

export interface Overview {
  runs: RunRow[];
  lastSuccesses: LastSuccess[];
  decisions: AwaitingDecision[];
  quarantined: {
    count: number;
    users: {
      engageUserId: number;
      userName: string | null;
      codes: string[];
      failureCount: number;
      lastFailedAt: Date;
      nextAttemptAt: Date;
      lastRunId: string;
    }[];
  };
  failingByCode: { code: string; users: number }[];
}

export async function overview(db: Db, o: { runs: number; quarantined: number }): Promise<Overview> {
  const [runs, last, decisions, count, quarantined, byCode] = await Promise.all([
    recentRuns(db, o.runs),
    lastSuccesses(db),
    awaitingDecisions(db),
    quarantinedCount(db),
    quarantinedUsers(db, o.quarantined),
    failingUsersByCode(db),
  ]);
  // operator-view knows users by Engage id; the page shows whom that is.
  const ids = quarantined.map((q) => q.engageUserId);
  const names = ids.length
    ? await db
        .selectFrom('sync.users')
        .select(['engage_user_id', 'user_name'])
        .where('engage_user_id', 'in', ids)
        .execute()
    : [];
  const nameOf = new Map(names.map((n) => [n.engage_user_id, n.user_name]));
  return {
    runs,
    lastSuccesses: last,
    decisions,
    quarantined: {
      count,
      users: quarantined.map((q) => ({ ...q, userName: nameOf.get(q.engageUserId) ?? null })),
    },
    failingByCode: [...byCode]
      .map(([code, users]) => ({ code, users }))
      .sort((a, b) => b.users - a.users || a.code.localeCompare(b.code)),
  };
}
