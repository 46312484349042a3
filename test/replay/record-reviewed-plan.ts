// Records the 'reviewed-plan' branch of syncRunWorkflow: an initial sync given a reviewed dry run runs
// a fresh dry run as its child and compares — once refused (Engage changed since the review), once
// applied. Run alone with `npx tsx test/replay/record-reviewed-plan.ts` (needs the stack); it writes
// `sync-run-reviewed-refused.json` and `sync-run-reviewed-applied.json`. record-histories.ts runs it too.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { showHistory, writeHistory } from './save-history';

export async function recordReviewedPlan(): Promise<void> {
  const suffix = Date.now().toString(36);
  const h = await SyncHarness.create('record_reviewed');
  try {
    await addLocations(h.engage.db, ['Utrecht']);
    const [first] = await addUsers(h.engage.db, [{}, {}, {}]);
    await h.startWorker();
    const invitations = { mode: 'disabled' } as const;
    const reviewed = `replay-reviewed-dry-${suffix}`;
    const dry = await h.runSync(
      { kind: 'initial', startedBy: 'recorder', dryRun: true, invitations },
      reviewed,
    );
    if (dry.status !== 'completed') throw new Error(`the dry run ended ${dry.status}`);

    await h.engage.db
      .updateTable('engage.users')
      .set({ job_title: 'Changed' })
      .where('id', '=', first!)
      .execute();
    const refusedId = `replay-reviewed-refused-${suffix}`;
    const refused = (await h.runSync(
      { kind: 'initial', startedBy: 'recorder', invitations, reviewedPlanRunId: reviewed },
      refusedId,
    )) as SyncRunResult;
    if (refused.status !== 'failed') throw new Error(`expected a refused run, got ${refused.status}`);
    writeHistory('sync-run-reviewed-refused', refusedId, showHistory(refusedId));

    const reviewedAgain = `replay-reviewed-dry2-${suffix}`;
    await h.runSync({ kind: 'initial', startedBy: 'recorder', dryRun: true, invitations }, reviewedAgain);
    const appliedId = `replay-reviewed-applied-${suffix}`;
    const applied = await h.runSync(
      { kind: 'initial', startedBy: 'recorder', invitations, reviewedPlanRunId: reviewedAgain },
      appliedId,
    );
    if (applied.status !== 'completed')
      throw new Error(`expected an applied run, got ${applied.status}: ${applied.reason}`);
    writeHistory('sync-run-reviewed-applied', appliedId, showHistory(appliedId));
  } finally {
    await h.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await recordReviewedPlan();
}
