// `plan <runId>`: what a dry run would do — counts per action, the first entries, or all as JSON lines.
import { once } from 'node:events';
import { PlanReview } from '../../state/plan-review';
import { boolFlag, intFlag, runIdArg, stringFlag } from '../args';
import type { Command } from '../command';
import { CliError } from '../context';
import { formatNumber, table } from '../format';
import { detailText, logJson } from '../log-table';
import { type Db, planEntries, planPage, planSummary, runById } from '../runs';

export const planCommand: Command = {
  spec: {
    name: 'plan',
    summary: 'Show what a dry run would change: counts per action and the first entries.',
    positionals: [{ name: 'runId', required: true, description: 'the dry run (its workflow id)' }],
    flags: {
      limit: { type: 'string', value: 'N', description: 'entries to list, 1–10000 (default 50)' },
      jsonl: { type: 'boolean', description: 'every planned entry as one JSON object per line (streamed)' },
      against: {
        type: 'string',
        value: 'RUN_ID',
        description: 'list what this dry run plans otherwise than that one (a reviewed plan)',
      },
    },
  },
  async run(p, getCtx) {
    const runId = runIdArg(p.positionals[0]!);
    const limit = intFlag(p, 'limit', 50, 10_000);
    const db = getCtx().db();
    const against = stringFlag(p, 'against');
    if (against !== undefined) return planDiff(db, runIdArg(against), runId, limit);
    if (boolFlag(p, 'jsonl')) {
      for await (const entry of planEntries(db, runId)) {
        // Respect back-pressure: piping 100k lines into `head` or a slow disk must not buffer them all.
        if (!process.stdout.write(`${logJson(entry)}\n`)) await once(process.stdout, 'drain');
      }
      return 0;
    }
    const summary = await planSummary(db, runId);
    if (summary.length === 0) {
      const run = await runById(db, runId);
      if (!run) throw new CliError(`no run ${runId} in the runs table`);
      console.log(
        run.dry_run
          ? `Dry run ${runId} (${run.status}) planned no changes.`
          : `${runId} is not a dry run; what it did: npm run log -- --run ${runId}`,
      );
      return 0;
    }
    const total = summary.reduce((n, s) => n + s.count, 0);
    console.log(planHeadline(runId, summary));
    console.log(
      table(summary, [
        { header: 'action', value: (s) => s.action },
        { header: 'count', value: (s) => formatNumber(s.count), align: 'right' },
      ]),
    );
    const entries = await planPage(db, runId, { limit });
    console.log('');
    console.log(
      table(entries, [
        { header: 'action', value: (e) => e.action },
        { header: 'object', value: (e) => e.object_type },
        {
          header: 'engage id',
          value: (e) => (e.engage_id === null ? '-' : String(e.engage_id)),
          align: 'right',
        },
        { header: 'user name', value: (e) => e.user_name ?? '', max: 40 },
        { header: 'changed attributes', value: (e) => (e.attributes ?? []).join(', '), max: 50 },
        { header: 'reason', value: (e) => detailText(e.detail), max: 60 },
      ]),
    );
    if (total > entries.length) {
      console.log(
        `… ${formatNumber(total - entries.length)} more: npm run sync -- plan ${runId} --jsonl > plan.jsonl`,
      );
    }
    return 0;
  },
};

async function planDiff(db: Db, reviewedRunId: string, runId: string, limit: number): Promise<number> {
  for (const id of [reviewedRunId, runId]) {
    const run = await runById(db, id);
    if (!run) throw new CliError(`no run ${id} in the runs table`);
    if (!run.dry_run) throw new CliError(`${id} is not a dry run: only plans can be compared`);
  }
  const diff = await new PlanReview(db).differences(reviewedRunId, runId, limit);
  if (diff.total === 0) {
    console.log(`${runId} plans every object as ${reviewedRunId} did.`);
    return 0;
  }
  console.log(`${runId} plans ${formatNumber(diff.total)} objects otherwise than ${reviewedRunId}:`);
  console.log(
    table(diff.first, [
      { header: 'object', value: (d) => d.objectType },
      { header: 'engage id', value: (d) => String(d.engageId), align: 'right' },
      { header: 'change', value: (d) => d.change },
      { header: 'reviewed', value: (d) => d.reviewed.join(', ') || '-' },
      { header: 'now', value: (d) => d.now.join(', ') || '-' },
    ]),
  );
  if (diff.total > diff.first.length)
    console.log(`… ${formatNumber(diff.total - diff.first.length)} more (--limit)`);
  console.log(`What each plans for one of them: npm run log -- --run ${runId} --user <engageId>`);
  return 1;
}

/** Plan actions that write nothing to Visitor: counted apart from the changes. */
const NOT_CHANGES: Record<string, string> = {
  skip: 'skipped',
  fail: 'would fail',
  quarantine: 'quarantined',
  'propose-match': 'location matches proposed',
};

/** "Dry run r plans 120 changes to Visitor (and 3 skipped, 2 would fail):" */
export function planHeadline(runId: string, summary: { action: string; count: number }[]): string {
  const changes = summary.filter((s) => !(s.action in NOT_CHANGES)).reduce((n, s) => n + s.count, 0);
  const others = summary
    .filter((s) => s.action in NOT_CHANGES)
    .map((s) => `${formatNumber(s.count)} ${NOT_CHANGES[s.action]}`);
  const head = `Dry run ${runId} plans ${formatNumber(changes)} change${changes === 1 ? '' : 's'} to Visitor`;
  return `${head}${others.length ? ` (and ${others.join(', ')})` : ''}:`;
}
