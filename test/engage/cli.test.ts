import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EngageDatabase } from '../../db/engage-schema';
import { parseCommand, UsageError } from '../../dev/engage-generator/options';
import { engageStats } from '../../dev/engage-generator/stats';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';

const root = fileURLToPath(new URL('../..', import.meta.url));

function cli(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'dev/engage-generator/cli.ts', ...args],
      { cwd: root, env: { ...process.env, ENGAGE_DATABASE_URL: url } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('option parsing', () => {
  it('reads counts and percentages', () => {
    const cmd = parseCommand([
      'churn',
      '--update',
      '1%',
      '--create',
      '50',
      '--new-locations',
      '2',
      '--dirty',
      '0.5%',
    ]);
    assert.deepEqual(cmd, {
      command: 'churn',
      json: false,
      options: { seed: '1', update: { percent: 1 }, create: 50, newLocations: 2, dirty: { percent: 0.5 } },
    });
  });

  it('says what is wrong with a value', () => {
    assert.throws(() => parseCommand(['churn', '--delete', '150%']), /--delete cannot exceed 100%/);
    assert.throws(() => parseCommand(['churn', '--delete', '-3']), UsageError);
    assert.throws(() => parseCommand(['seed', '--users', '10']), /--locations/);
    assert.throws(
      () => parseCommand(['seed', '--users', '1e3', '--locations', '2']),
      /--users must be a whole number/,
    );
    assert.throws(() => parseCommand(['frobnicate']), /unknown command 'frobnicate'/);
  });
});

describe('engage CLI', () => {
  let t: TestDatabase<EngageDatabase>;
  before(async () => {
    t = await freshDatabase<EngageDatabase>('engage_cli', ['engage']);
  });
  after(async () => t?.drop());

  it('refuses bad flags and values with exit code 2', async () => {
    const unknown = await cli(t.url, 'seed', '--users', '5', '--locations', '2', '--colour', 'red');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--colour/);
    const badValue = await cli(t.url, 'churn', '--update', 'lots');
    assert.equal(badValue.code, 2);
    assert.match(badValue.stderr, /--update must be a count like 50 or a percentage like 0.5%/);
    assert.equal((await engageStats(t.db)).users.total, 0);
  });

  it('seeds, refuses to seed again without --reset, and prints help', async () => {
    const seeded = await cli(t.url, 'seed', '--users', '50', '--locations', '3', '--seed', 'cli');
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.match(seeded.stdout, /Seeded 50 users and 3 locations \(seed cli\) in \d+\.\d s/);
    const again = await cli(t.url, 'seed', '--users', '50', '--locations', '3');
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--reset/);
    const churn = await cli(t.url, 'churn', '--create', '2', '--json');
    assert.equal(churn.code, 0, churn.stderr);
    assert.equal(JSON.parse(churn.stdout).userIds.created.length, 2);
    assert.equal((await engageStats(t.db)).users.total, 52);
    const help = await cli(t.url, 'churn', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--dirty/);
  });
});
