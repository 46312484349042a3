// `npm run chaos`: every reliability scenario, several runs with different seeds, each in an isolated
// stack (own Temporal dev server, emulator and worker processes, fresh databases). Prints a table per
// scenario and writes the results to docs/reliability.md.
//   tsx dev/chaos/run.ts [--scenario N]… [--runs K] [--users N] [--no-write]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '../stack/postgres';
import { SCENARIOS, type ScenarioResult } from './scenarios';
import { ROOT } from './stack';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    runs: { type: 'string', default: '3' },
    users: { type: 'string' },
    kills: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const scenarios = (values.scenario ?? Object.keys(SCENARIOS)).map(Number);
const runs = Number(values.runs);
const refuse = (m: string) => {
  console.error(`chaos: ${m}`);
  process.exit(2);
};
for (const n of scenarios)
  if (!SCENARIOS[n]) refuse(`--scenario ${n}: no such scenario (1–${Object.keys(SCENARIOS).length})`);
if (!(Number.isInteger(runs) && runs >= 1 && runs <= 20))
  refuse(`--runs ${values.runs}: want a whole number 1–20`);
for (const flag of ['users', 'kills'] as const) {
  const v = values[flag];
  if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) >= 1))
    refuse(`--${flag} ${v}: want a whole number ≥ 1`);
}

const log = (m: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${m}`);
const results: ScenarioResult[] = [];
const t0 = Date.now();
// The scenarios make their databases in the shared local PostgreSQL (scenario 4 adds its own).
await startPostgres(log);

for (const n of scenarios) {
  const s = SCENARIOS[n]!;
  const users = values.users ? Number(values.users) : s.defaultUsers;
  log(`scenario ${n}: ${s.title} — ${runs} run(s) at ${users} users`);
  for (let r = 1; r <= runs; r++) {
    const seed = `chaos-${n}-${r}`;
    try {
      const res = await s.run({ seed, users, log, ...(values.kills ? { kills: Number(values.kills) } : {}) });
      results.push(res);
    } catch (err) {
      log(`scenario ${n} run ${r} crashed: ${(err as Error).stack ?? err}`);
      results.push({
        scenario: n,
        seed,
        users,
        injected: '-',
        statuses: 'harness error',
        problems: [`harness error: ${(err as Error).message}`],
        durationMs: 0,
        ok: false,
      });
    }
  }
  console.log(`\n${table(results.filter((x) => x.scenario === n))}\n`);
}

function table(rows: ScenarioResult[]): string {
  const head = '| run (seed) | users | injected | run status | invariants | duration |';
  const sep = '|---|---:|---|---|---|---:|';
  const body = rows.map(
    (r) =>
      `| ${r.seed} | ${r.users} | ${r.injected} | ${r.statuses.replaceAll('|', '/')} | ${
        r.ok
          ? 'all hold'
          : `**${r.problems.length} violated**: ${r.problems.slice(0, 3).join('; ').replaceAll('|', '/')}`
      } | ${(r.durationMs / 1000).toFixed(0)} s |`,
  );
  return [head, sep, ...body].join('\n');
}

const failed = results.filter((r) => !r.ok);
console.log(
  `chaos: ${results.length - failed.length} passed, ${failed.length} failed (${Math.round((Date.now() - t0) / 1000)} s)`,
);

if (!values['no-write']) {
  const args = process.argv.slice(2).join(' ');
  const command = args ? `npm run chaos -- ${args}` : 'npm run chaos';
  // The latest results of every scenario, so running one scenario again keeps the others' figures.
  const store = path.join(ROOT, '.data', 'chaos', 'results.json');
  const saved: Record<string, { command: string; at: string; results: ScenarioResult[] }> = fs.existsSync(
    store,
  )
    ? JSON.parse(fs.readFileSync(store, 'utf8'))
    : {};
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  for (const n of scenarios) saved[n] = { command, at, results: results.filter((x) => x.scenario === n) };
  fs.mkdirSync(path.dirname(store), { recursive: true });
  fs.writeFileSync(store, JSON.stringify(saved, null, 2));
  const docPath = path.join(ROOT, 'docs', 'reliability.md');
  // Only the results are regenerated: the prose around them (written by hand) is kept as it is, and so
  // are the sections of scenarios this machine has no stored results for (run elsewhere, or before the
  // store existed).
  const current = fs.existsSync(docPath) ? fs.readFileSync(docPath, 'utf8') : '';
  const start = current.search(/^### \d+\. /m);
  const endMatch = /^\*\*\d+ of \d+ runs passed\.\*\*\n/m.exec(current);
  const merging = start >= 0 && endMatch !== null && endMatch.index > start;
  const sections = new Map<number, { text: string; runs: number; passed: number }>();
  if (merging)
    for (const part of current.slice(start, endMatch.index).split(/^(?=### \d+\. )/m)) {
      const n = Number(/^### (\d+)\./.exec(part)?.[1]);
      const rows = part.split('\n').filter((l) => /^\| chaos-/.test(l));
      if (n)
        sections.set(n, {
          text: part.trimEnd(),
          runs: rows.length,
          passed: rows.filter((l) => l.includes('| all hold |')).length,
        });
    }
  for (const [key, e] of Object.entries(saved)) {
    const n = Number(key);
    sections.set(n, {
      text: `### ${n}. ${SCENARIOS[n]!.title}\n\n\`${e.command}\` (${e.at} UTC)\n\n${table(e.results)}`,
      runs: e.results.length,
      passed: e.results.filter((r) => r.ok).length,
    });
  }
  const ordered = [...sections.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
  const runsShown = ordered.reduce((n, v) => n + v.runs, 0);
  const passedShown = ordered.reduce((n, v) => n + v.passed, 0);
  const resultsText = `${ordered.map((v) => `${v.text}\n`).join('\n')}\n**${passedShown} of ${runsShown} runs passed.**\n`;
  const doc = merging
    ? current.slice(0, start) + resultsText + current.slice(endMatch.index + endMatch[0].length)
    : newDocument(resultsText);
  fs.writeFileSync(docPath, doc);
  log('wrote docs/reliability.md');
}
process.exit(failed.length > 0 ? 1 : 0);

/** A fresh docs/reliability.md around the results, when there is none to merge into. */
function newDocument(results: string): string {
  return `# Reliability

The fault-injection suite: each scenario seeds Engage, runs a sync to completion through the faults
and then checks the invariants of \`dev/harness/invariants.ts\` against Engage, the sync state and
the emulator's exported state — Visitor equals what the rules expect (users, attributes, location
access and roles, default locations, locations); no duplicate Visitor users; every active Engage
user is in Visitor or recorded as failed with a reason; every user the sync created was invited
exactly once, and (initial syncs) no invitation went to a user who is not there.

Every scenario runs in isolation: its own Temporal dev server (SQLite file under \`.data/chaos\`),
its own emulator process, worker processes (\`workers/main.ts\`, killed with SIGKILL where the
scenario says so) and fresh databases (scenario 4: a private PostgreSQL cluster it restarts).
The fast subset (scenarios 1 and 3 at 1,500 users) runs in \`npm test\`
(\`test/chaos/fast-kill.test.ts\`, \`test/chaos/fast-faults.test.ts\`).

Last results per scenario (2 cores / 24 GB, shared with other test runs), each with the command that
produced it (\`npm run chaos\` runs all ten, 3 seeds each by default):

${results}
## How the faults are injected

| # | fault | how |
|---|---|---|
| 1 | worker crash | the k-th of 5 kills waits until ≈ 0.7·k/5 of the pages are done, then for the worker to be seen running a page (describe → pending activity started by its identity), plus 0–1 s: SIGKILL, restarted at once |
| 2 | Temporal outage | \`temporal server start-dev\` stopped with SIGTERM (and the last time SIGKILL) while a page runs, restarted 2–5 s later on the same port and db file |
| 3 | Visitor misbehaving | emulator faults: 10 % 5xx (500/502/503/504), rate limit 150/s burst 20 (429 + Retry-After: the emulator has no probabilistic 429, so the share follows the sync's speed — 15 % of the answers in the run above, more than the 5 % asked), 0.5 % dropped connections, 0.5 % hung requests (8 s, client time-out 3 s), latency 1–40 ms, 2 % "committed but answered 500" on writes |
| 4 | PostgreSQL outage | \`pg_ctl stop -m fast\` of the private cluster holding both databases while the daily run's page runs, started again 3 s later; the daily follows \`applyChurn\` with dirty rows |
| 5 | double start | an initial sync and a Temporal schedule's \`trigger()\` at the same instant |
| 6 | scale-out worker lost | two workers on one task queue; the first seen running a page is SIGKILLed and not restarted |

## What the runs showed

- Nothing is lost or doubled under any of the faults: every step is idempotent (a create whose
  answer was lost comes back as 409 → the user is adopted by userName, and its invitation is sent
  only if Visitor does not already report it sent; state rows are upserts; deletions are held in
  \`sync.pending_deletions\` and re-checked before they are applied).
- A SIGKILLed worker's page activity is retried once its heartbeat times out (60 s,
  \`workflows/sync-run.ts\`), so each kill costs up to a minute of wall time. A shorter heartbeat
  time-out would shorten recovery; it has to stay above the longest Retry-After the client sleeps
  through inside an activity (60 s, \`scim/retry.ts\` maxRetryAfterMs), or be paired with a
  heartbeat while waiting — left as it is here.
- A Temporal outage of a few seconds (SIGTERM or SIGKILL of the dev server) is ridden out by the
  running worker; no restart was needed.
- Under the Visitor faults the in-client retries (4 attempts, jittered back-off, a shared gate that
  honours Retry-After) absorb most errors; a page whose user still fails is retried by Temporal as
  a whole and finds the done users unchanged.
`;
}
