// Follows a bulk run until it closes: a redrawn progress line on a terminal, plain periodic lines in
// logs and CI, then the closing summary. Ctrl-C stops watching, never the run.
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { progressQuery } from '../workflows/messages';
import { TENANT } from '../workflows/search-attributes';
import type { syncRunWorkflow } from '../workflows/sync-run';
import type { RunProgress, SyncRunResult } from '../workflows/types';
import { type CliContext, CliError } from './context';
import { formatTime, renderProgress } from './format';
import { newestActiveRun } from './runs';
import { exitCodeOf, runSummary } from './summary';

const POLL_MS = 1000;
/** Without a terminal, one line this often (and on every phase change). */
const PLAIN_EVERY_MS = 10_000;
/** A query unanswered this long usually means no worker polls the task queue. */
const SILENT_AFTER_MS = 5000;

const BULK_RUNNING = 'EvsRunKind IN ("initial","daily") AND ExecutionStatus="Running"';

/** The newest running initial/daily run: Temporal visibility first, the runs table as a fallback. */
export async function findRunningBulkRun(ctx: CliContext): Promise<string | undefined> {
  const client = await ctx.temporal();
  try {
    let newest: { id: string; at: number } | undefined;
    for await (const wf of client.workflow.list({ query: BULK_RUNNING, pageSize: 20 })) {
      // This company's runs only (the tenant's, or the configured company's without --tenant).
      if (wf.typedSearchAttributes.get(TENANT) !== ctx.tenant?.id) continue;
      const at = wf.startTime.getTime();
      if (!newest || at > newest.at) newest = { id: wf.workflowId, at };
    }
    if (newest) return newest.id;
  } catch {
    // Search attributes not registered on this server: the database still knows.
  }
  const row = await newestActiveRun(ctx.db());
  if (!row) return undefined;
  return (await isRunning(client, row.workflow_id)) ? row.workflow_id : undefined;
}

export async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Watches until the run closes; returns the exit code (0 completed, 1 otherwise). */
export async function watchRun(ctx: CliContext, workflowId: string): Promise<number> {
  const client = await ctx.temporal();
  const handle = client.workflow.getHandle<typeof syncRunWorkflow>(workflowId);
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new CliError(`no run ${workflowId} in namespace ${ctx.config.temporal.namespace}`);
    throw err;
  }
  const out = process.stdout;
  const tty = out.isTTY === true;
  console.log(`Watching ${workflowId} — Temporal UI: ${ctx.link(workflowId)}`);

  type Outcome = { result: SyncRunResult } | { error: unknown };
  let outcome: Outcome | undefined;
  const done = handle.result().then(
    (result): Outcome => ({ result }),
    (error: unknown): Outcome => ({ error }),
  );
  void done.then((o) => {
    outcome = o;
  });

  let latest: RunProgress | undefined;
  let queryStartedAt: number | undefined;
  let lastPlain = 0;
  let lastPhase: string | undefined;
  let approvalHintShown = false;
  let silentShown = false;
  let lineOpen = false;
  const clearLine = () => {
    if (tty && lineOpen) out.write('\r\x1b[2K');
    lineOpen = false;
  };
  const say = (text: string) => {
    clearLine();
    console.log(text);
  };
  const onSigint = () => {
    say(`\nStopped watching; the run goes on. Watch again: npm run sync -- watch ${workflowId}`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);

  try {
    while (!outcome) {
      // One query at a time: a slow answer must not pile queries up.
      if (queryStartedAt === undefined) {
        queryStartedAt = Date.now();
        handle
          .query(progressQuery)
          .then((p) => {
            latest = p;
            silentShown = false;
          })
          .catch(() => {
            // Closing, or between continue-as-new runs: the next poll or the result tells.
          })
          .finally(() => {
            queryStartedAt = undefined;
          });
      }
      await Promise.race([done, new Promise((r) => setTimeout(r, POLL_MS))]);
      if (outcome) break;
      const silent = queryStartedAt !== undefined && Date.now() - queryStartedAt > SILENT_AFTER_MS;
      const line = silent
        ? `no answer from the run for ${Math.round((Date.now() - queryStartedAt!) / 1000)}s — is a worker running (npm start) on task queue ${ctx.config.temporal.taskQueue}?`
        : latest
          ? renderProgress(latest, tty ? (out.columns ?? 100) - 1 : 160)
          : 'starting…';
      if (latest?.phase === 'awaiting-approval' && !approvalHintShown) {
        approvalHintShown = true;
        say(
          `${latest.deletionsPending ?? 0} deletions exceed the safety threshold and wait for a decision:\n` +
            `  npm run sync -- approve ${workflowId}   or   npm run sync -- reject ${workflowId}`,
        );
      }
      if (tty) {
        out.write(`\r\x1b[2K${line}`);
        lineOpen = true;
      } else if (
        Date.now() - lastPlain >= PLAIN_EVERY_MS ||
        latest?.phase !== lastPhase ||
        (silent && !silentShown)
      ) {
        console.log(`${formatTime(new Date())} ${line}`);
        lastPlain = Date.now();
        if (silent) silentShown = true;
      }
      lastPhase = latest?.phase;
    }
  } finally {
    process.off('SIGINT', onSigint);
    clearLine();
  }

  const final = outcome;
  if ('error' in final) {
    const err = final.error;
    const why =
      err instanceof WorkflowFailedError
        ? `${err.message}: ${err.cause?.message ?? 'no details'}`
        : String(err);
    console.log(`Run ${workflowId} did not finish: ${why}\n  Temporal UI: ${ctx.link(workflowId)}`);
    return 1;
  }
  const desc = await handle.describe().catch(() => undefined);
  const durationMs =
    desc?.closeTime && desc.startTime ? desc.closeTime.getTime() - desc.startTime.getTime() : undefined;
  const memo = desc?.memo as { dryRun?: boolean } | undefined;
  console.log(
    runSummary(final.result, {
      durationMs: latest ? Math.max(latest.elapsedMs, durationMs ?? 0) : durationMs,
      link: ctx.link(workflowId),
      dryRun: latest?.dryRun ?? memo?.dryRun ?? false,
    }),
  );
  return exitCodeOf(final.result);
}
