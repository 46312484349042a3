// `npm run tenant`: bad flags and values exit 2 naming them; a secret is never taken from the command
// line; secrets are read from a file or stdin, and what list and show print holds none of them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../clients/args';
import { type CliContext, CliError, cliContext } from '../../clients/context';
import { tenantDispatch } from '../../clients/tenant/commands';
import type { SecretIo } from '../../clients/tenant/secret-input';
import { loadConfig } from '../../config/service';
import type { SyncDatabase } from '../../db/sync-schema';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import { SecretBox } from '../../state/secret-box';
import { TenantRegistry } from '../../state/tenants';
import { deleteSchedule, describeSchedule, ensureSchedule, scheduleId } from '../../temporal/schedule';
import { TEST_NAMESPACE, temporalAddress } from '../support/temporal';

const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const TOKEN = 'tok-5b1e0c9a77';
const STDIN_TOKEN = 'tok-from-stdin-42aa';
const ENGAGE_URL = 'postgres://reader:s3cr3t-pw@engage-host:5432/engage_acme';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evs-tenant-cli-'));
const tokenFile = path.join(dir, 'visitor-token');
const urlFile = path.join(dir, 'engage-url');
fs.writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
fs.writeFileSync(urlFile, `${ENGAGE_URL}\n`, { mode: 0o600 });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * What the commands print with console.log. Not captureStdout: it also takes process.stdout.write,
 * where the test runner reports results, and a failure reported meanwhile vanished from the output.
 */
async function captureLog<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const log = console.log;
  let out = '';
  console.log = (...args: unknown[]) => {
    out += `${args.join(' ')}\n`;
  };
  try {
    return { value: await fn(), out };
  } finally {
    console.log = log;
  }
}

/** Reads files for real; stdin is whatever the test says. */
const io = (stdin = ''): SecretIo => ({
  readFile: (p) => fs.promises.readFile(p, 'utf8'),
  readStdin: async () => stdin,
});

const noContext = (): CliContext => {
  throw new Error('the command tried to connect');
};

const base = ['--name', 'Acme', '--visitor-url', 'https://visitor.example/scim/v1'];
const withToken = [...base, '--visitor-token-file', tokenFile];

describe('tenant CLI: refusals before connecting to anything', () => {
  const cases: [string[], RegExp][] = [
    [
      ['add', 'acme', ...base, '--visitor-token', TOKEN],
      /--visitor-token is refused: a secret on the command line .*--visitor-token-file <path> or --visitor-token-stdin/,
    ],
    [['add', 'acme', ...base, `--visitor-token=${TOKEN}`], /--visitor-token is refused/],
    [
      ['update', 'acme', '--engage-url', ENGAGE_URL],
      /--engage-url is refused: .*--engage-url-file <path> or --engage-url-stdin/,
    ],
    [['update', 'acme', `--token=${TOKEN}`], /--token is refused/],
    [['add', 'Acme!', ...withToken, '--engage-schema', 'acme'], /<tenant>: tenant id must be 2-40 lowercase/],
    [['show', 'a'], /<tenant>: tenant id must be 2-40/],
    [
      ['add', 'acme', '--visitor-url', 'https://v.example', '--visitor-token-file', tokenFile],
      /tenant add: --name is required/,
    ],
    [
      ['add', 'acme', '--name', 'Acme', '--visitor-token-file', tokenFile, '--engage-schema', 'a'],
      /--visitor-url is required/,
    ],
    [
      ['add', 'acme', ...base, '--engage-schema', 'acme'],
      /give the Visitor token with --visitor-token-file <path> or --visitor-token-stdin/,
    ],
    [
      ['add', 'acme', ...withToken],
      /give the Engage source: --engage-url-file <path>, --engage-url-stdin or --engage-schema/,
    ],
    [
      ['add', 'acme', ...withToken, '--engage-schema', 'a', '--engage-url-file', urlFile],
      /give the Engage source once/,
    ],
    [
      [
        'add',
        'acme',
        ...base,
        '--visitor-token-file',
        tokenFile,
        '--visitor-token-stdin',
        '--engage-schema',
        'a',
      ],
      /--visitor-token-file or --visitor-token-stdin, not both/,
    ],
    [
      ['add', 'acme', ...base, '--visitor-token-stdin', '--engage-url-stdin'],
      /only one secret can come from stdin/,
    ],
    [
      ['add', 'acme', ...withToken, '--engage-schema', 'a', '--deprovision', 'archive'],
      /--deprovision must be one of delete, deactivate, got "archive"/,
    ],
    [
      ['add', 'acme', ...withToken, '--engage-schema', 'a', '--time', '25:00'],
      /--time: schedule time must be HH:MM/,
    ],
    [
      ['add', 'acme', ...withToken, '--engage-schema', 'a', '--time-zone', 'Mars/Base'],
      /--time-zone: time zone must be an IANA zone/,
    ],
    [
      ['add', 'acme', ...withToken, '--engage-schema', 'a', '--interval', '30s'],
      /--interval must be at least 1m/,
    ],
    [
      ['add', 'acme', ...withToken, '--engage-schema', 'a', '--invitations', 'later'],
      /--invitations: invalid invitation policy "later"/,
    ],
    [
      ['add', 'acme', ...withToken, '--engage-schema', 'a', '--location-admins', 'default'],
      /--location-admins must be one of true, false, got "default"/,
    ],
    [['update', 'acme'], /tenant update: nothing to change/],
    [
      ['update', 'acme', '--location-admins', 'maybe'],
      /--location-admins must be one of true, false, got "maybe"/,
    ],
    [['update', 'acme', '--max-rps', '0'], /--max-rps must be a number from 0.01 to 10000, got "0"/],
    [
      ['update', 'acme', '--delete-threshold-percent', '101'],
      /--delete-threshold-percent must be a number from 0 to 100/,
    ],
    [
      ['update', 'acme', '--delete-threshold-count', '1.5'],
      /--delete-threshold-count must be a whole number/,
    ],
    [['remove', 'acme', '--grace', 'soon'], /--grace must be a duration like 30m, 24h or 2d, got "soon"/],
    [
      ['list', '--state', 'gone'],
      /--state must be one of onboarding, active, paused, offboarded, got "gone"/,
    ],
    [['pause', 'acme', 'extra'], /unexpected argument "extra"/],
    [['rotate-secrets', '--force'], /unknown flag --force; this command takes no flags/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  it('refuses each with a usage error naming the flag or value (and never repeating a secret)', async () => {
    for (const [argv, message] of cases) {
      await assert.rejects(tenantDispatch(argv, noContext, io()), (err: Error) => {
        assert.ok(err instanceof UsageError, `${argv.join(' ')}: ${err.message}`);
        assert.match(err.message, message, argv.join(' '));
        assert.ok(!err.message.includes(TOKEN) && !err.message.includes('s3cr3t'), err.message);
        return true;
      });
    }
  });

  it('a secret file that cannot be read or is empty is refused naming the flag', async () => {
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '\n');
    const ctx = () =>
      cliContext(loadConfig({ TENANT_SECRETS_KEYS: KEYS, DATABASE_URL: 'postgres://x@127.0.0.1:9/x' }));
    const run = (extra: string[], stdin = '') =>
      tenantDispatch(['add', 'acme', ...base, '--engage-schema', 'a', ...extra], ctx, io(stdin));
    await assert.rejects(
      run(['--visitor-token-file', path.join(dir, 'missing')]),
      /--visitor-token-file: cannot read the file given \(ENOENT\)/,
    );
    // A token pasted where the path belongs is not printed back.
    await assert.rejects(run(['--visitor-token-file', 'tok-5e3cr3t-value']), (err: Error) => {
      assert.ok(!err.message.includes('5e3cr3t'), err.message);
      return true;
    });
    await assert.rejects(
      run(['--visitor-token-file', empty]),
      /--visitor-token-file: no secret there \(empty\)/,
    );
    await assert.rejects(
      run(['--visitor-token-stdin'], 'a\nb\n'),
      /--visitor-token-stdin: expected one line/,
    );
  });

  it('without TENANT_SECRETS_KEYS, add fails naming it (exit 1) before reading a secret', async () => {
    let read = false;
    const watching: SecretIo = {
      readFile: async () => {
        read = true;
        return TOKEN;
      },
      readStdin: async () => '',
    };
    const ctx = cliContext(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1:9/x' }));
    await assert.rejects(
      tenantDispatch(['add', 'acme', ...withToken, '--engage-schema', 'a'], () => ctx, watching),
      (err: Error) => err instanceof CliError && /TENANT_SECRETS_KEYS is not set/.test(err.message),
    );
    assert.equal(read, false);
    await ctx.close();
  });
});

/** The CLI as a process, with stdin given. */
function cli(args: string[], env: Record<string, string>, stdin?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'clients/tenant-cli.ts', ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9', ...env },
    });
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
    child.stdin.end(stdin ?? '');
  });
}

describe('tenant CLI over PostgreSQL', () => {
  let t: TestDatabase<SyncDatabase>;
  let ctx: CliContext;
  before(async () => {
    t = await freshDatabase<SyncDatabase>('tenant_cli', ['sync']);
    ctx = cliContext(
      loadConfig({
        DATABASE_URL: t.url,
        TENANT_SECRETS_KEYS: KEYS,
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: TEST_NAMESPACE,
      }),
    );
  });
  after(async () => {
    await ctx?.close();
    await t?.drop();
  });
  const run = (argv: string[], stdin = '') => captureLog(() => tenantDispatch(argv, () => ctx, io(stdin)));
  const registry = () => new TenantRegistry(t.db, { box: new SecretBox(ctx.config.tenantSecretKeys!) });

  it('add reads the token and the Engage URL from files, and from stdin; show and list print no secret', async () => {
    const added = await run([
      'add',
      'acme',
      ...withToken,
      '--engage-url-file',
      urlFile,
      '--time',
      '06:30',
      '--time-zone',
      'Europe/Brussels',
      '--deprovision',
      'deactivate',
      '--max-rps',
      '5',
      '--invitations',
      'delay:48h',
    ]);
    assert.equal(added.value, 0);
    const viaStdin = await run(
      ['add', 'beta', ...base, '--visitor-token-stdin', '--engage-schema', 'engage_beta'],
      `${STDIN_TOKEN}\n`,
    );
    assert.equal(viaStdin.value, 0);
    const acme = await registry().connection('acme');
    assert.equal(acme.visitor.token.reveal(), TOKEN);
    assert.equal(acme.engage.kind === 'database' && acme.engage.url.reveal(), ENGAGE_URL);
    assert.equal((await registry().connection('beta')).visitor.token.reveal(), STDIN_TOKEN);

    const show = await run(['show', 'acme']);
    const showJson = await run(['show', 'acme', '--json']);
    const list = await run(['list']);
    const listJson = await run(['list', '--json']);
    for (const out of [added.out, viaStdin.out, show.out, showJson.out, list.out, listJson.out]) {
      for (const secret of [TOKEN, STDIN_TOKEN, 's3cr3t', 'engage-host', KEYS.slice(3)]) {
        assert.ok(!out.includes(secret), `printed ${secret}:\n${out}`);
      }
    }
    assert.match(show.out, /Visitor token\s+set, key k1/);
    assert.match(show.out, /Engage source\s+own database, URL set, key k1/);
    assert.match(show.out, /06:30 Europe\/Brussels, every 24h/);
    assert.match(
      show.out,
      /options\s+deprovision=deactivate, invitations=delay:2d, maxRequestsPerSecond=5 \(the rest: the deployment's settings\)/,
    );
    assert.equal(JSON.parse(showJson.out).visitor.token.keyId, 'k1');
    assert.match(list.out, /^acme\s+Acme\s+onboarding\s+database\s+visitor\.example/m);
    assert.match(list.out, /^beta\s+Acme\s+onboarding\s+schema engage_beta/m);
    assert.equal(listJson.out.trim().split('\n').length, 2);
  });

  it('update, pause, resume, remove and rotate-secrets, with the states they leave', async () => {
    fs.writeFileSync(tokenFile, 'tok-rotated-1\n');
    assert.equal(
      (await run(['update', 'acme', '--visitor-token-file', tokenFile, '--deprovision', 'default'])).value,
      0,
    );
    assert.equal((await registry().connection('acme')).visitor.token.reveal(), 'tok-rotated-1');
    assert.deepEqual((await registry().get('acme'))!.options, {
      maxRequestsPerSecond: 5,
      invitations: { mode: 'delay', delayMs: 172_800_000 },
    });
    await run(['resume', 'acme']);
    // acme has a schedule (each test run its own tenant id would be better; the remove below deletes it).
    const client = await ctx.temporal();
    const acmeTenant = (await registry().get('acme'))!;
    const tenantOpts = { tenant: { id: 'acme', schedule: acmeTenant.schedule } };
    await deleteSchedule(client, scheduleId(tenantOpts)).catch(() => {});
    await ensureSchedule(client, ctx.config, tenantOpts);
    const paused = await run(['pause', 'acme', '--note', 'renewal']);
    assert.match(paused.out, /Paused tenant acme: its schedule is paused/);
    assert.equal((await registry().get('acme'))!.state, 'paused');
    assert.equal((await describeSchedule(client, scheduleId(tenantOpts)))?.state.paused, true);
    await assert.rejects(
      run(['pause', 'acme']),
      (err: Error) => err instanceof CliError && /already paused/.test(err.message),
    );
    const removed = await run(['remove', 'beta', '--grace', '2d']);
    assert.match(
      removed.out,
      /Tenant beta is offboarded: it had no schedule, 0 running workflow\(s\) asked to stop/,
    );
    assert.match(removed.out, /Its secrets, sync state and log are deleted after/);
    const removedAcme = await run(['remove', 'acme']);
    assert.match(removedAcme.out, /Tenant acme is offboarded: its schedule is deleted/);
    assert.equal(await describeSchedule(client, scheduleId(tenantOpts)), undefined);
    const beta = (await registry().get('beta'))!;
    assert.equal(beta.state, 'offboarded');
    assert.equal(beta.purgeAfter!.getTime() - beta.offboardedAt!.getTime(), 2 * 86_400_000);
    const rotated = await run(['rotate-secrets']);
    assert.match(rotated.out, /Re-encrypted 0 secret\(s\) with key k1; all 2 tenant\(s\)/);
    assert.match((await run(['purge'])).out, /Nothing to purge\./);
    await assert.rejects(
      run(['show', 'nobody']),
      (err: Error) => err instanceof CliError && /no tenant nobody/.test(err.message),
    );
  });

  it('as a process: reads stdin, exits 2 on --visitor-token without echoing it', async () => {
    const env = { DATABASE_URL: t.url, TENANT_SECRETS_KEYS: KEYS };
    const ok = await cli(
      ['add', 'gamma', ...base, '--engage-schema', 'engage_gamma', '--visitor-token-stdin'],
      env,
      `${STDIN_TOKEN}\n`,
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await registry().connection('gamma')).visitor.token.reveal(), STDIN_TOKEN);
    assert.ok(!ok.stdout.includes(STDIN_TOKEN) && !ok.stderr.includes(STDIN_TOKEN));
    const refused = await cli(
      ['add', 'delta', ...base, '--engage-schema', 'x', '--visitor-token', TOKEN],
      env,
    );
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--visitor-token is refused/);
    assert.ok(!refused.stderr.includes(TOKEN) && !refused.stdout.includes(TOKEN));
    const bad = await cli(['list', '--state', 'nope'], { DATABASE_URL: 'postgres://x@127.0.0.1:9/x' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--state must be one of/);
  });
});
