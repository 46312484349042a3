// `watch [<runId>]`: follow a bulk run's progress until it ends.
import { runIdArg } from '../args';
import type { Command } from '../command';
import { CliError } from '../context';
import { findRunningBulkRun, watchRun } from '../watch';

export const watchCommand: Command = {
  spec: {
    name: 'watch',
    summary:
      'Follow a running sync live (pages, users, outcomes, users/s, ETA) and print its summary when it ends.',
    positionals: [
      {
        name: 'runId',
        required: false,
        description: 'the run to follow; default: the newest running initial/daily sync',
      },
    ],
    details: 'Ctrl-C stops watching, not the run. Exit code 0 when the run completed, 1 otherwise.',
  },
  async run(p, getCtx) {
    const given = p.positionals[0];
    const ctx = getCtx();
    const runId = given !== undefined ? runIdArg(given) : await findRunningBulkRun(ctx);
    if (!runId) throw new CliError('no sync is running; recent runs: npm run sync -- status');
    return watchRun(ctx, runId);
  },
};
