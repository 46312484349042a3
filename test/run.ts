// `npm test` after the static checks: brings up the test stack (PostgreSQL and the Temporal dev
// server, idempotently), then runs every test/**/*.test.ts with node's test runner.
// Usage: tsx test/run.ts [substring filters…]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DATA_DIR, ROOT } from '../dev/stack/paths';
import { startPostgres } from '../dev/stack/postgres';
import { startTemporal } from '../dev/stack/temporal';

const filters = process.argv.slice(2);
const log = (m: string) => console.log(m);

await startPostgres(log);
if (!process.env.TEMPORAL_ADDRESS) await startTemporal(log);

const files = fs
  .readdirSync(path.join(ROOT, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => path.join('test', f));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

// One file per run: several runs (a developer's and a helper's) may share the checkout.
const tap = path.join(DATA_DIR, 'test-results', `${process.pid}.tap`);
fs.mkdirSync(path.dirname(tap), { recursive: true });
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);

// One plain closing line that any CI can read, from the TAP summary.
const summary = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
// The run's own totals are the last summary lines (files may print nested ones before).
const count = (k: string) =>
  Number([...summary.matchAll(new RegExp(`^# ${k} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
const skipped = count('skipped') + count('todo');
console.log(
  `\ntests: ${count('pass')} passed, ${count('fail') + count('cancelled')} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
fs.rmSync(tap, { force: true });
// A skipped test is a failing test in this project.
process.exit(res.status !== 0 || skipped > 0 || count('pass') === 0 ? 1 : 0);
