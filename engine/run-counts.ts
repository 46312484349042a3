// A run's counts, derived from what it recorded rather than summed from the attempts that succeeded:
// every action's log entry commits with the state it describes, so the log survives any number of
// crashed or retried attempts, and the counts derived from it match it.
import { PLAN_OUTCOME } from '../domain/plan-outcome';
import type { Counts, Outcome } from '../domain/run-types';
import type { Engine } from './engine';
import type { RunRecord } from './ports';

/** A dry run logs its plans as "planned": the action names what it would have done. */
const PLANNED_ACTION: Record<string, Outcome> = { ...PLAN_OUTCOME, read: 'failed' };
/** The failures of a write Visitor refused (the stop-early rule's); validation failures are not. */
const WRITE_ACTIONS = new Set(['write', 'adopt']);

/** The counts of a run's record. Pure. */
export function countsOf(record: RunRecord): Counts {
  const counts: Counts = {};
  const add = (k: keyof Counts, n: number) => {
    if (n > 0) counts[k] = (counts[k] ?? 0) + n;
  };
  let logged = 0;
  for (const o of record.outcomes) {
    const outcome = o.outcome === 'planned' ? PLANNED_ACTION[o.action] : (o.outcome as Outcome);
    if (!outcome) continue;
    logged += o.n;
    add(outcome, o.n);
    if (o.invited) add('invited', o.n);
    if (o.invitation === 'pending' && (outcome === 'created' || outcome === 'adopted'))
      add('invitationsPending', o.n);
    if (outcome === 'failed' && WRITE_ACTIONS.has(o.action)) add('writeFailures', o.n);
  }
  add('pendingDeletion', record.heldDeletions);
  add('held', record.heldForDecision);
  // Everyone else the pages covered was found unchanged (passed over, or planned with nothing to do).
  if (record.processed !== null) add('unchanged', record.processed - logged - record.heldNotLogged);
  return counts;
}

/** Activity `runCounts({ runId })`: the counts of what the run recorded so far. */
export async function runCounts(engine: Engine, { runId }: { runId: string }): Promise<{ counts: Counts }> {
  return { counts: countsOf(await engine.store.runRecord(runId)) };
}
