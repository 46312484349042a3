// The CLIs refuse bad command lines with exit code 2 and a message naming the mistake — before they
// touch Temporal or the database, so no server is needed here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import type { CommandSpec } from '../../clients/args';
import {
  commandHelp,
  durationFlag,
  invitationsFlag,
  parseCommand,
  positiveInt,
  UsageError,
} from '../../clients/args';
import type { Command } from '../../clients/command';
import { dispatch } from '../../clients/dispatch';
import { SCHEDULE_COMMANDS } from '../../clients/schedule-commands';
import { SYNC_COMMANDS } from '../../clients/sync/commands';

function cli(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Point Temporal and the database at closed ports: a CLI that tried to connect would fail with 1, not 2.
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      DATABASE_URL: 'postgres://x:y@127.0.0.1:9/none',
    };
    const child = spawn('npx', ['tsx', `clients/${script}`, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// A few end to end through a real process: exit code 2 and the message on stderr.
const spawned: [string, string[], RegExp][] = [
  ['sync-cli.ts', ['initial', '--bogus'], /unknown flag --bogus; known flags: --invitations/],
  ['sync-cli.ts', ['initial', '--invitations', 'later'], /--invitations: invalid invitation policy "later"/],
  ['sync-cli.ts', ['user', 'alice @example.com'], /<user>: give an Engage id, a user name or an e-mail/],
  [
    'schedule-cli.ts',
    ['create', '--interval', 'daily'],
    /--interval must be a duration like 30m, 24h or 2d, got "daily"/,
  ],
  [
    'log-cli.ts',
    ['--user', '99999999999'],
    /--user: an Engage id is from 1 to 2147483647, got "99999999999"/,
  ],
  ['log-cli.ts', ['--run', 'r1', '--status', 'broken'], /--status must be one of created, .* got "broken"/],
  // The stack and migrate commands too (npm run stack:up -- --bogus, npm run migrate -- --bogus).
  ['../dev/stack/cli.ts', ['up', '--bogus'], /unknown flag --bogus\b.*\n[\s\S]*Usage: /],
  ['../dev/stack/cli.ts', ['status', '--json=yes'], /--json/],
  ['../db/migrate-cli.ts', ['--bogus'], /unknown flag --bogus\b[\s\S]*Usage: npm run migrate/],
  ['../db/migrate-cli.ts', ['extra'], /unexpected argument "extra"/],
];

test('bad command lines exit with 2 and say what is wrong', async () => {
  for (const [script, args, message] of spawned) {
    const r = await cli(script, args);
    const what = `${script} ${args.join(' ')}`;
    assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`);
    assert.match(r.stderr, message, what);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
  }
});

test('--help exits 0 and an empty command line prints the overview with exit 2', async () => {
  const help = await cli('sync-cli.ts', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: npm run sync -- <command>/m);
  const none = await cli('log-cli.ts', []);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give --user <e-mail\|engageId> or --run <runId>/);
});

/** Parsing happens before any connection: a command that reached for Temporal or the DB fails the test. */
const noContext = () => {
  throw new Error('the command tried to connect');
};
const run = (commands: Command[], argv: string[]) => dispatch('sync', 'intro', commands, argv, noContext);

const inProcess: [Command[], string[], RegExp][] = [
  [
    SYNC_COMMANDS,
    ['initial', '--page-size', '0'],
    /--page-size must be a whole number from 1 to 5000, got "0"/,
  ],
  [SYNC_COMMANDS, ['initial', '--page-size'], /--page-size needs a value/],
  [SYNC_COMMANDS, ['daily', '--dry-run=yes'], /--dry-run takes no value/],
  [SYNC_COMMANDS, ['daily', '--invitations', 'send'], /unknown flag --invitations/],
  [SYNC_COMMANDS, ['user', '0'], /<user>: 0 is not an Engage user id \(1–2147483647\)/],
  [SYNC_COMMANDS, ['user', '99999999999'], /<user>: 99999999999 is not an Engage user id/],
  [SYNC_COMMANDS, ['approve', 'r1', 'extra'], /unexpected argument "extra"/],
  [SYNC_COMMANDS, ['approve', 'run 1'], /"run 1" is not a run id/],
  [SYNC_COMMANDS, ['status', 'extra'], /unexpected argument "extra"/],
  [SYNC_COMMANDS, ['status', '--limit', 'ten'], /--limit must be a whole number from 1 to 500, got "ten"/],
  [SYNC_COMMANDS, ['status', '--kind', 'weekly'], /--kind must be one of initial, daily, user, got "weekly"/],
  [SYNC_COMMANDS, ['plan', 'r1', '--limit', '100001'], /--limit must be a whole number from 1 to 10000/],
  [
    SYNC_COMMANDS,
    ['invitations', 'resend', 'r1'],
    /unknown or missing subcommand "resend"; expected status, release, cancel/,
  ],
  [SYNC_COMMANDS, ['invitations'], /unknown or missing subcommand; expected status, release, cancel/],
  [SYNC_COMMANDS, ['frobnicate'], /unknown command "frobnicate"/],
  [SCHEDULE_COMMANDS, ['trigger', '--note', 'x'], /unknown flag --note; this command takes no flags/],
  [SCHEDULE_COMMANDS, ['update', '--interval', '0m'], /--interval must be a duration/],
];

test('every command refuses bad flags and values before connecting to anything', async () => {
  for (const [commands, argv, message] of inProcess) {
    await assert.rejects(run(commands, argv), (err: Error) => {
      assert.ok(err instanceof UsageError, `${argv.join(' ')}: ${err.message}`);
      assert.match(err.message, message, argv.join(' '));
      return true;
    });
  }
});

test('every command has --help, which needs no connection', async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (m: string) => lines.push(m);
  try {
    for (const c of [...SYNC_COMMANDS, ...SCHEDULE_COMMANDS]) {
      const argv = [...c.spec.name.split(' '), '--help'];
      assert.equal(await run([c], argv), 0);
    }
  } finally {
    console.log = log;
  }
  assert.equal(lines.length, SYNC_COMMANDS.length + SCHEDULE_COMMANDS.length);
  for (const text of lines) assert.match(text, /^Usage: npm run sync -- \S+/);
});

const spec: CommandSpec = {
  name: 'plan',
  summary: 'Show the plan.',
  positionals: [{ name: 'runId', required: true, description: 'the run' }],
  flags: {
    limit: { type: 'string', value: 'N', description: 'how many' },
    jsonl: { type: 'boolean', description: 'JSON lines' },
  },
};

test('parseCommand returns flags and arguments, and names the mistake otherwise', () => {
  const ok = parseCommand(spec, ['r1', '--limit', '5', '--jsonl'], 'sync');
  assert.deepEqual(ok.positionals, ['r1']);
  assert.equal(ok.values.limit, '5');
  assert.equal(ok.values.jsonl, true);
  assert.equal(ok.help, false);
  // --help wins over a missing argument, so help always works.
  assert.equal(parseCommand(spec, ['--help'], 'sync').help, true);
  assert.throws(() => parseCommand(spec, [], 'sync'), {
    name: 'UsageError',
    message: 'sync plan: missing <runId> (the run)',
  });
  assert.throws(() => parseCommand(spec, ['r1', 'r2'], 'sync'), /unexpected argument "r2"/);
  assert.throws(
    () => parseCommand(spec, ['r1', '--lmit', '3'], 'sync'),
    /unknown flag --lmit; known flags: --limit, --jsonl/,
  );
  assert.throws(() => parseCommand(spec, ['r1', '--jsonl=true'], 'sync'), /--jsonl takes no value/);
});

test('value parsers accept what operators type and refuse the rest', () => {
  assert.equal(positiveInt('--limit', '25', 100), 25);
  assert.throws(() => positiveInt('--limit', '101', 100), /from 1 to 100, got "101"/);
  assert.throws(() => positiveInt('--limit', '2.5'), UsageError);
  assert.throws(() => positiveInt('--limit', '-1'), UsageError);
  assert.equal(durationFlag('--interval', '12h'), 12 * 3_600_000);
  assert.throws(() => durationFlag('--interval', '0h'), /--interval must be a duration/);
  assert.deepEqual(invitationsFlag('delay:48h'), { mode: 'delay', delayMs: 48 * 3_600_000 });
  assert.deepEqual(invitationsFlag('disabled'), { mode: 'disabled' });
  assert.throws(() => invitationsFlag('delay:0h'), UsageError);
});

test('command help lists arguments and flags with their values', () => {
  const help = commandHelp(spec, 'sync');
  assert.match(help, /^Usage: npm run sync -- plan <runId> \[flags\]$/m);
  assert.match(help, /^ {2}runId +the run$/m);
  assert.match(help, /^ {2}--limit <N> +how many$/m);
  assert.match(help, /^ {2}--jsonl +JSON lines$/m);
});
