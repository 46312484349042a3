// `npm run log -- --user <e-mail|engageId> | --run <runId>`: the provisioning log, newest first.

import { OUTCOMES } from '../workflows/types';
import {
  boolFlag,
  type CommandSpec,
  commandHelp,
  intFlag,
  oneOf,
  parseCommand,
  runIdArg,
  stringFlag,
  UsageError,
} from './args';
import { takeTenantFlag, tenantContext } from './dispatch';
import { logJson, logTable } from './log-table';
import { runMain } from './main';
import { logEntries } from './runs';

/** Every outcome the sync writes to the log. */
export const LOG_OUTCOMES = [
  ...OUTCOMES,
  'planned',
  'pendingDeletion',
  'rejected',
  'invited',
  'cancelled',
  'orphaned',
] as const;

export const logSpec: CommandSpec = {
  name: '',
  summary:
    'Show the provisioning log: every action the sync took on a user or in a run, with the attributes it changed\n' +
    'and the reason or Visitor SCIM error. Newest first.',
  flags: {
    user: {
      type: 'string',
      value: 'e-mail|engageId',
      description: 'one user: an Engage id, or the user name / e-mail',
    },
    run: { type: 'string', value: 'runId', description: 'one run (its workflow id)' },
    status: {
      type: 'string',
      value: 'outcome',
      description: `only this outcome: ${LOG_OUTCOMES.join(', ')}`,
    },
    limit: { type: 'string', value: 'N', description: 'how many entries, 1–100000 (default 50)' },
    json: { type: 'boolean', description: 'one JSON object per line' },
  },
  details:
    "Give --user, --run or both. --tenant <id>: that tenant's log instead of the configured company's.",
};

await runMain(async (getCtx) => {
  const { tenantId, rest } = takeTenantFlag(process.argv.slice(2));
  const p = parseCommand(logSpec, rest, 'log');
  if (p.help) {
    console.log(commandHelp(logSpec, 'log'));
    return 0;
  }
  const user = stringFlag(p, 'user')?.trim();
  const run = stringFlag(p, 'run');
  if (user === undefined && run === undefined)
    throw new UsageError('log: give --user <e-mail|engageId> or --run <runId>');
  if (user === '') throw new UsageError('log: --user must not be empty');
  if (user !== undefined && /^\d+$/.test(user) && !(Number(user) >= 1 && Number(user) <= 2_147_483_647))
    throw new UsageError(`--user: an Engage id is from 1 to 2147483647, got "${user}"`);
  const status = stringFlag(p, 'status');
  const filter = {
    ...(user !== undefined ? { user } : {}),
    ...(run !== undefined ? { runId: runIdArg(run) } : {}),
    ...(status !== undefined ? { outcome: oneOf('--status', status, LOG_OUTCOMES) } : {}),
    limit: intFlag(p, 'limit', 50, 100_000),
  };
  const ctx = tenantId === undefined ? getCtx() : await tenantContext(getCtx(), tenantId);
  const rows = await logEntries(ctx.db(), filter);
  if (boolFlag(p, 'json')) {
    for (const r of rows) console.log(logJson(r));
    return 0;
  }
  if (rows.length === 0) {
    console.log('No log entries match.');
    return 0;
  }
  console.log(logTable(rows, { showUser: user === undefined, showRun: run === undefined }));
  if (rows.length === filter.limit) console.log(`(the newest ${filter.limit}; more with --limit)`);
  return 0;
});
