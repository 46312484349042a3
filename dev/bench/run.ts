// `npm run bench`: in one run on this machine, side by side and against the same emulator process —
// a raw-HTTP baseline (the same POST /Users bodies the sync sends, at the same concurrency), initial
// syncs of 10k and 100k users (500 locations), a daily run at 100k after 1 % churn, and a rate-limited
// target. Everything runs isolated: its own Temporal dev server, emulator and worker processes, fresh
// databases in the local PostgreSQL. Then the section "A realistic Visitor" (dev/bench/realistic.ts: WAN
// latency, Visitor's rate limit, several worker processes; ~12 min) and "Many companies on one
// deployment" (dev/bench/tenants.ts: fairness and pool bounds over 61 tenants; ~10 min). Writes
// bench-results.json and docs/benchmarks.md.
//   tsx dev/bench/run.ts [--small 10000] [--large 100000] [--locations 500] [--rate 200] [--rate-users 4000]
//                    [--concurrency 16] [--page-size 500] [--cpu-prof] [--no-write]
//                    [--only loopback|realistic|tenants|feed] [--realistic-full] [--realistic-push-users 10000]
//                    [--realistic-scale 0.1] [--realistic-items rate,full5,measured,latency,push]
// --only runs one part; the other part's figures stay in docs/benchmarks.md (and bench-results.json).
import fs from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tsToMs } from '@temporalio/common/lib/time';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../config/service';
import type { EngageDatabase } from '../../db/engage-schema';
import type { SyncDatabase } from '../../db/sync-schema';
import { planUser } from '../../domain/plan-user';
import type { EngageUser } from '../../domain/types';
import { createEngageReader } from '../../engage/reader';
import { createPlanningCache } from '../../engine/planning-cache';
import { createBody } from '../../engine/visitor-mapping';
import { VisitorScimClient } from '../../scim/client';
import { URN_VISITOR_LOCATION, URN_VISITOR_USER, USER_WRITE_ANSWER_ATTRIBUTES } from '../../scim/wire';
import type { SyncRunInput, SyncRunResult } from '../../workflows/types';
import { createDatabase, type Db } from '../chaos/env';
import {
  EMULATOR_TOKEN,
  EmulatorProcess,
  type EmulatorStats,
  ROOT,
  sleep,
  statusCount,
  TemporalServer,
  WorkerProcess,
  writesOf,
} from '../chaos/stack';
import { applyChurn, USER_CHURN_KINDS } from '../engage-generator/churn';
import { seedCompany } from '../engage-generator/seed';
import { startPostgres } from '../stack/postgres';
import { FEED_BEGIN, FEED_END, renderFeed, runChangeFeedBench } from './change-feed';
import { currentSection, writeSection } from './doc-sections';
import {
  REALISTIC_BEGIN,
  REALISTIC_END,
  type RealisticResults,
  renderRealistic,
  round,
  runRealistic,
} from './realistic';
import { measureScimToVisitor, type ScimE2eResult } from './scim-e2e';
import {
  renderTenants,
  runTenants,
  TENANTS_BEGIN,
  TENANTS_DEFAULTS,
  TENANTS_END,
  type TenantsResults,
} from './tenants';

const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '10000' },
    large: { type: 'string', default: '100000' },
    locations: { type: 'string', default: '500' },
    rate: { type: 'string', default: '200' },
    'rate-users': { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '16' },
    /** Default: the product's SYNC_PAGE_SIZE default. */
    'page-size': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    /** Only re-render docs/benchmarks.md from bench-results.json (after editing the notes). */
    'doc-only': { type: 'boolean', default: false },
    /** One part only: 'loopback' (the sections above the realistic one), 'realistic' or 'tenants'. */
    only: { type: 'string' },
    /** The realistic section's measured case at full size (600 users at 0.6 req/s): ~35 min more. */
    'realistic-full': { type: 'boolean', default: false },
    /** Smoke runs of the realistic section: its user counts scaled by this (figures not comparable). */
    'realistic-scale': { type: 'string' },
    /** Users the realistic section's identity-provider push sends (default 5,000; the issue's figure: 10000). */
    'realistic-push-users': { type: 'string' },
    /** Development: only these items of the realistic section, comma-separated (rate,full5,measured,latency,push). */
    'realistic-items': { type: 'string' },
  },
});
if (values.only !== undefined && !['loopback', 'realistic', 'tenants', 'feed'].includes(values.only)) {
  console.error(`bench: --only ${values.only}: want loopback, realistic, tenants or feed`);
  process.exit(2);
}
const PUSH_USERS =
  values['realistic-push-users'] === undefined ? undefined : Number(values['realistic-push-users']);
if (PUSH_USERS !== undefined && !(Number.isInteger(PUSH_USERS) && PUSH_USERS >= 1)) {
  console.error(`bench: --realistic-push-users ${values['realistic-push-users']}: want a whole number ≥ 1`);
  process.exit(2);
}
const REALISTIC_SCALE = values['realistic-scale'] === undefined ? 1 : Number(values['realistic-scale']);
if (!(REALISTIC_SCALE > 0 && REALISTIC_SCALE <= 1)) {
  console.error(`bench: --realistic-scale ${values['realistic-scale']}: want a number in (0, 1]`);
  process.exit(2);
}
/** How to run the realistic section alone, as the doc prints it. */
const REALISTIC_COMMAND = [
  'npm run bench -- --only realistic',
  ...(values['realistic-full'] ? ['--realistic-full'] : []),
  ...(PUSH_USERS !== undefined ? [`--realistic-push-users ${PUSH_USERS}`] : []),
  ...(REALISTIC_SCALE !== 1 ? [`--realistic-scale ${REALISTIC_SCALE}`] : []),
].join(' ');
for (const flag of [
  'small',
  'large',
  'locations',
  'rate',
  'rate-users',
  'concurrency',
  'page-size',
] as const) {
  if (values[flag] === undefined) continue;
  const v = Number(values[flag]);
  if (!(Number.isInteger(v) && v >= 1)) {
    console.error(`bench: --${flag} ${values[flag]}: want a whole number ≥ 1`);
    process.exit(2);
  }
}
const SMALL = Number(values.small);
const LARGE = Number(values.large);
const LOCATIONS = Number(values.locations);
const RATE = Number(values.rate);
const RATE_USERS = Number(values['rate-users']);
const CONCURRENCY = Number(values.concurrency);
const PAGE_SIZE =
  values['page-size'] === undefined ? loadConfig({}).sync.pageSize : Number(values['page-size']);
const t0 = Date.now();
const log = (m: string) =>
  console.log(`${new Date().toISOString().slice(11, 19)} [+${Math.round((Date.now() - t0) / 1000)}s] ${m}`);

const TENANTS = { begin: TENANTS_BEGIN, end: TENANTS_END };
const TENANTS_COMMAND = 'npm run bench -- --only tenants';

if (values['doc-only']) {
  const saved = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench-results.json'), 'utf8'));
  if (saved.initialSmall) writeDoc(saved, saved.command);
  else if (saved.realistic) writeRealisticDoc(saved.realistic, saved.realisticCommand ?? REALISTIC_COMMAND);
  process.exit(0);
}

const runRealisticSection = (): Promise<RealisticResults> =>
  runRealistic({
    log,
    fullMeasuredCase: values['realistic-full'],
    scale: REALISTIC_SCALE,
    ...(PUSH_USERS !== undefined ? { pushUsers: PUSH_USERS } : {}),
    ...(values['realistic-items'] ? { items: values['realistic-items'].split(',') } : {}),
  });

const runTenantsSection = (): Promise<TenantsResults> => runTenants({ ...TENANTS_DEFAULTS, log });

if (values.only === 'tenants') {
  await startPostgres(log);
  const tenants = await runTenantsSection();
  const file = path.join(ROOT, 'bench-results.json');
  const saved = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  saved.tenants = tenants;
  fs.writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  console.log(JSON.stringify(tenants, null, 2));
  if (!values['no-write']) {
    writeSection(TENANTS, renderTenants(tenants, TENANTS_COMMAND));
    console.log('wrote the tenants section of docs/benchmarks.md');
  }
  process.exit(0);
}

const FEED_COMMAND = 'npm run bench -- --only feed';

if (values.only === 'feed') {
  await startPostgres(log);
  const feed = await runChangeFeedBench({ log });
  const file = path.join(ROOT, 'bench-results.json');
  const saved = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  saved.changeFeed = feed;
  fs.writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  console.log(JSON.stringify(feed, null, 2));
  if (!values['no-write']) {
    writeSection({ begin: FEED_BEGIN, end: FEED_END }, renderFeed(feed, FEED_COMMAND));
    console.log('wrote the change feed section of docs/benchmarks.md');
  }
  process.exit(0);
}

if (values.only === 'realistic') {
  // Only this section: the other sections' figures stay as they are, in the results file and the doc.
  const realistic = await runRealisticSection();
  const file = path.join(ROOT, 'bench-results.json');
  const saved = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  saved.realistic = realistic;
  saved.realisticCommand = REALISTIC_COMMAND;
  fs.writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  console.log(JSON.stringify(realistic, null, 2));
  if (!values['no-write'] && realistic.errors.length === 0) writeRealisticDoc(realistic, REALISTIC_COMMAND);
  process.exit(realistic.errors.length === 0 ? 0 : 1);
}

// Databases live in the shared local PostgreSQL; everything else is the bench's own.
await startPostgres(log);
const temporal = await TemporalServer.start('bench');
const emulator = await EmulatorProcess.start('bench');
const { client, close: closeClient } = await temporal.client();
const dbs: Db<unknown>[] = [];
const workers: WorkerProcess[] = [];
let seq = 0;

async function databases(size: number) {
  const [engage, sync] = await Promise.all([
    createDatabase<EngageDatabase>(`bench_${size}_engage`, 'engage'),
    createDatabase<SyncDatabase>(`bench_${size}_sync`, 'sync'),
  ]);
  dbs.push(engage as Db<unknown>, sync as Db<unknown>);
  return { engage, sync };
}

async function startWorker(
  taskQueue: string,
  d: { engage: Db<EngageDatabase>; sync: Db<SyncDatabase> },
  extra: Record<string, string> = {},
  entry?: string,
) {
  const name = `bench-${++seq}`;
  const profDir = path.join(ROOT, '.data', 'chaos', 'prof');
  const w = await WorkerProcess.start(
    name,
    {
      temporalAddress: temporal.address,
      taskQueue,
      databaseUrl: d.sync.url,
      engageDatabaseUrl: d.engage.url,
      visitorUrl: emulator.baseUrl,
      extra: {
        VISITOR_SCIM_CONCURRENCY: String(CONCURRENCY),
        SYNC_PAGE_SIZE: String(PAGE_SIZE),
        SYNC_INVITATIONS: 'send',
        ...extra,
      },
    },
    {
      ...(entry ? { entry } : {}),
      ...(values['cpu-prof'] ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] } : {}),
    },
  );
  workers.push(w);
  return w;
}

async function reset(keepLocations: boolean) {
  const res = await fetch(`${emulator.adminUrl}/reset${keepLocations ? '?keepLocations=true' : ''}`, {
    method: 'POST',
  });
  if (!res.ok) throw new Error(`reset: ${res.status}`);
}

async function runSync(taskQueue: string, input: Partial<SyncRunInput>, id: string) {
  const started = performance.now();
  const result = (await client.workflow.execute('syncRunWorkflow', {
    taskQueue,
    workflowId: id,
    args: [{ kind: 'initial', startedBy: 'bench', ...input } satisfies SyncRunInput],
  })) as SyncRunResult;
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 'completed') throw new Error(`${id} ended ${result.status}: ${result.reason}`);
  return { result, seconds };
}

async function longestHistory(workflowId: string): Promise<{ longest: number; runs: number }> {
  let longest = 0;
  let runs = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs++;
    longest = Math.max(
      longest,
      (await client.workflow.getHandle(w.workflowId, w.runId).describe()).historyLength,
    );
  }
  return { longest, runs };
}

/**
 * Where a run's time went, from its workflow histories (every run of a continued chain): the span
 * before the first user page, the users phase (first page scheduled → last page closed), and the
 * rest (deletions, invitations, finishing); plus the page activities' mean duration.
 */
async function phasesOf(workflowId: string) {
  const events: { t: number; type: string; activity?: string; scheduledId?: number; id: number }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const names = new Map<number, string>();
    for (const e of history.events ?? []) {
      const id = Number(e.eventId);
      const t = tsToMs(e.eventTime);
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) {
        names.set(id, scheduled.activityType?.name ?? '?');
        events.push({ t, type: 'scheduled', activity: names.get(id)!, id });
      }
      const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
      const started = e.activityTaskStartedEventAttributes;
      if (closed || started) {
        const sid = Number((closed ?? started)!.scheduledEventId);
        events.push({
          t,
          type: closed ? 'closed' : 'started',
          activity: names.get(sid)!,
          scheduledId: sid,
          id,
        });
      }
      if (e.workflowExecutionStartedEventAttributes) events.push({ t, type: 'begin', id });
      if (e.workflowExecutionCompletedEventAttributes) events.push({ t, type: 'end', id });
    }
  }
  events.sort((a, b) => a.t - b.t);
  const first = (pred: (e: (typeof events)[number]) => boolean) => events.find(pred)?.t;
  const last = (pred: (e: (typeof events)[number]) => boolean) => events.findLast(pred)?.t;
  const begin = first((e) => e.type === 'begin')!;
  const end = last((e) => e.type === 'end')!;
  const pagesFrom = first((e) => e.type === 'scheduled' && e.activity === 'syncUserPage') ?? begin;
  const pagesTo = last((e) => e.type === 'closed' && e.activity === 'syncUserPage') ?? pagesFrom;
  const startedAt = new Map(events.filter((e) => e.type === 'started').map((e) => [e.scheduledId, e.t]));
  const pageRuns = events
    .filter((e) => e.type === 'closed' && e.activity === 'syncUserPage')
    .map((e) => e.t - (startedAt.get(e.scheduledId) ?? e.t));
  // What ran before the first page, in order: the activity and its time from scheduled to closed.
  const scheduledAt = new Map(events.filter((e) => e.type === 'scheduled').map((e) => [e.id, e.t]));
  const beforePages = events
    .filter((e) => e.type === 'closed' && e.t <= pagesFrom)
    .map((e) => `${e.activity} ${round((e.t - (scheduledAt.get(e.scheduledId!) ?? e.t)) / 1000, 2)} s`);
  return {
    beforePages,
    beforePagesSeconds: round((pagesFrom - begin) / 1000, 2),
    pagesSeconds: round((pagesTo - pagesFrom) / 1000, 2),
    afterPagesSeconds: round((end - pagesTo) / 1000, 2),
    pages: pageRuns.length,
    meanPageMs: round(pageRuns.reduce((a, b) => a + b, 0) / Math.max(1, pageRuns.length), 0),
  };
}

const diff = (a: EmulatorStats, b: EmulatorStats) => ({
  total: b.total - a.total,
  writes: writesOf(b) - writesOf(a),
  r429: statusCount(b, '429') - statusCount(a, '429'),
});

// --- the raw baseline ----------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(pathname: string, body: string): Promise<number> {
  const base = new URL(emulator.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: `${base.pathname}${pathname}`,
        headers: {
          authorization: `Bearer ${EMULATOR_TOKEN}`,
          'content-type': 'application/scim+json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function allEngageUsers(db: Kysely<EngageDatabase>): Promise<EngageUser[]> {
  const reader = createEngageReader(db);
  const users: EngageUser[] = [];
  let afterId = 0;
  for (;;) {
    const page = await reader.usersPage({ afterId, limit: 5000, includeDeleted: false });
    users.push(...page.users.filter((u) => u.active && u.deletedAt === null));
    if (page.nextAfterId === null) return users;
    afterId = page.nextAfterId;
  }
}

/**
 * The same creates the sync makes (bodies built by the sync's own planUser + createBody: access to
 * every location, invitation switch on), straight at the emulator with CONCURRENCY requests in flight.
 * Runs on an emptied emulator into which it first puts as many locations as the sync will (untimed);
 * it empties the emulator again afterwards.
 */
/** The sync's create request line, short answer included (scim/client.ts), so both ask the same. */
const CREATE_PATH = `/Users?attributes=${encodeURIComponent(USER_WRITE_ANSWER_ATTRIBUTES)}`;

async function rawBaseline(engageDb: Kysely<EngageDatabase>) {
  await reset(false);
  for (let i = 0; i < LOCATIONS; i++) {
    const status = await post(
      '/Locations',
      JSON.stringify({ schemas: [URN_VISITOR_LOCATION], name: `Baseline site ${i}` }),
    );
    if (status !== 201) throw new Error(`baseline: POST /Locations answered ${status}`);
  }
  const users = await allEngageUsers(engageDb);
  const settings = loadConfig({}).sync;
  const visitor = new VisitorScimClient({ baseUrl: emulator.baseUrl, token: EMULATOR_TOKEN });
  const locations = await visitor.listLocations();
  visitor.close();
  const defaultLocationId = locations.find((l) => l.isDefault)!.id;
  const ctx = {
    defaultLocationId,
    allVisitorLocationIds: locations.map((l) => l.id).sort(),
    locationMap: new Map<number, string>(),
    options: settings.options,
  };
  // Planned as the engine plans: through one planning cache (users share access maps and lists).
  const planning = createPlanningCache();
  const before = await emulator.stats();
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < users.length) {
        const plan = planUser({ engage: users[next++]!, state: null, ctx }, planning);
        if (plan.kind !== 'create') continue;
        const body = createBody(plan.user, plan.access, defaultLocationId);
        const ext = body[URN_VISITOR_USER]!;
        const status = await post(
          CREATE_PATH,
          JSON.stringify({ ...body, [URN_VISITOR_USER]: { ...ext, sendInvitation: true } }),
        );
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await emulator.stats();
  await reset(false);
  const created = statuses['201'] ?? 0;
  return {
    users: created,
    seconds: round(seconds),
    usersPerSecond: round(created / seconds),
    requests: after.total - before.total,
    statuses,
  };
}

// --- the scenarios -------------------------------------------------------------------------------------

interface InitialResult {
  users: number;
  seconds: number;
  usersPerSecond: number;
  baselineUsersPerSecond: number;
  ratioToBaseline: number;
  workerPeakRssMb: number | undefined;
  longestHistoryEvents: number;
  workflowRuns: number;
  scimRequestsPerUser: number;
  phases: Awaited<ReturnType<typeof phasesOf>>;
  baseline: Awaited<ReturnType<typeof rawBaseline>>;
  counts: SyncRunResult['counts'];
}

async function initial(size: number) {
  log(`initial ${size}: seeding ${size} users, ${LOCATIONS} locations`);
  const d = await databases(size);
  await seedCompany(d.engage.db, { users: size, locations: LOCATIONS, seed: `bench-${size}` });
  log(`baseline ${size}: raw POST /Users loop`);
  const baseline = await rawBaseline(d.engage.db);
  log(
    `baseline ${size}: ${baseline.users} users in ${baseline.seconds} s (${JSON.stringify(baseline.statuses)})`,
  );
  const taskQueue = `bench-${size}`;
  const w = await startWorker(taskQueue, d);
  const before = await emulator.stats();
  log(`initial ${size}: sync running`);
  const id = `bench-initial-${size}`;
  const { result, seconds } = await runSync(
    taskQueue,
    { kind: 'initial', invitations: { mode: 'send' } },
    id,
  );
  const rss = w.proc.peakRssMb();
  const after = await emulator.stats();
  const history = await longestHistory(id);
  const provisioned = (result.counts.created ?? 0) + (result.counts.adopted ?? 0);
  log(`initial ${size}: ${provisioned} users in ${round(seconds)} s, peak RSS ${rss} MB`);
  const usersPerSecond = provisioned / seconds;
  const out: InitialResult = {
    users: provisioned,
    seconds: round(seconds),
    usersPerSecond: round(usersPerSecond),
    baselineUsersPerSecond: baseline.usersPerSecond,
    ratioToBaseline: round(usersPerSecond / baseline.usersPerSecond, 2),
    workerPeakRssMb: rss,
    longestHistoryEvents: history.longest,
    workflowRuns: history.runs,
    scimRequestsPerUser: round(diff(before, after).total / provisioned, 3),
    phases: await phasesOf(id),
    baseline,
    counts: result.counts,
  };
  return { out, d, w, taskQueue };
}

const results: Record<string, unknown> = {
  command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  startedAt: new Date().toISOString(),
  loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  settings: { locations: LOCATIONS, concurrency: CONCURRENCY, pageSize: PAGE_SIZE },
};
let exitCode = 0;
try {
  const small = await initial(SMALL);
  await small.w.stop();
  results.initialSmall = small.out;

  const large = await initial(LARGE);
  results.initialLarge = large.out;
  const again = { seconds: large.out.seconds };
  const w2 = large.w;
  const churn = await applyChurn(large.d.engage.db, {
    seed: 'bench-daily',
    update: { percent: 0.5 },
    create: { percent: 0.2 },
    delete: { percent: 0.1 },
    deactivate: { percent: 0.05 },
    promote: { percent: 0.1 },
    demote: { percent: 0.05 },
  });
  const changes = USER_CHURN_KINDS.reduce((n, k) => n + churn.counts[k], 0);
  log(`daily ${LARGE}: ${changes} changes (${JSON.stringify(churn.counts)})`);
  const before = await emulator.stats();
  const daily = await runSync(
    large.taskQueue,
    { kind: 'daily', startedBy: 'schedule' },
    `bench-daily-${LARGE}`,
  );
  const after = await emulator.stats();
  const writes = diff(before, after).writes;
  results.daily = {
    users: LARGE,
    changes,
    scimWrites: writes,
    scimRequests: diff(before, after).total,
    seconds: round(daily.seconds),
    initialSeconds: round(again.seconds),
    ratioToInitial: round(daily.seconds / again.seconds, 3),
    counts: daily.result.counts,
    workerPeakRssMb: w2.proc.peakRssMb(),
    phases: await phasesOf(`bench-daily-${LARGE}`),
  };
  log(
    `daily ${LARGE}: ${round(daily.seconds)} s, ${writes} writes for ${changes} changes; phases ${JSON.stringify((results.daily as { phases: unknown }).phases)}`,
  );
  await w2.stop();

  // Rate-limited target.
  log(`rate limit: ${RATE}/s on the emulator, ${RATE_USERS} users`);
  const rd = await databases(RATE_USERS);
  await seedCompany(rd.engage.db, { users: RATE_USERS, locations: 50, seed: 'bench-rate' });
  await reset(false);
  await emulator.setFaults({ rateLimit: { perSecond: RATE, burst: 10 } });
  const clientRate = Math.floor(RATE * 0.98);
  const rw = await startWorker('bench-rate', rd, { VISITOR_SCIM_MAX_RPS: String(clientRate) });
  const samples: { t: number; total: number }[] = [];
  const rBefore = await emulator.stats();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push({ t: performance.now(), total: (await emulator.stats()).total - rBefore.total });
      await sleep(500);
    }
  })();
  const rate = await runSync('bench-rate', { kind: 'initial', invitations: { mode: 'send' } }, 'bench-rate');
  sampling = false;
  await sampler;
  const rAfter = await emulator.stats();
  await emulator.setFaults({});
  // Steady state: from the first sample past the location phase to the first sample at the final total.
  const final = rAfter.total - rBefore.total;
  const from = samples.find((s) => s.total >= 100) ?? samples[0]!;
  const to = samples.find((s) => s.total >= final) ?? samples[samples.length - 1]!;
  // A run too short for a steady window (a small --rate-users) is measured over its whole length.
  const steady = to.t - from.t >= 2000;
  if (!steady) log('rate limit: run too short for a steady-state window; measuring the whole run');
  const achieved = steady ? (to.total - from.total) / ((to.t - from.t) / 1000) : final / rate.seconds;
  results.rateLimited = {
    limitPerSecond: RATE,
    clientMaxPerSecond: clientRate,
    users: RATE_USERS,
    requests: final,
    seconds: round(rate.seconds),
    achievedPerSecond: round(achieved),
    shareOfLimit: round(achieved / RATE, 3),
    overallPerSecond: round(final / rate.seconds),
    provoked429: diff(rBefore, rAfter).r429,
  };
  log(`rate limit: ${round(achieved)} req/s of ${RATE} (${diff(rBefore, rAfter).r429} × 429)`);

  // Upstream path: Engage SCIM API → outbox → per-user provisioning → Visitor, one new hire at a time.
  log('Engage SCIM → Visitor: 100 users created, then deactivated');
  results.scimToVisitor = await measureScimToVisitor({
    engageDb: rd.engage.db,
    temporal: client,
    taskQueue: 'bench-rate',
    visitorUrl: emulator.baseUrl,
    visitorToken: EMULATOR_TOKEN,
    users: 100,
  });
  log(`Engage SCIM → Visitor: ${JSON.stringify(results.scimToVisitor)}`);
  await rw.stop();
} catch (err) {
  exitCode = 1;
  console.error(err);
  results.error = String((err as Error).stack ?? err);
} finally {
  for (const w of workers) await w.stop().catch(() => {});
  agent.destroy();
  await closeClient().catch(() => {});
  await emulator.stop().catch(() => {});
  await temporal.destroy().catch(() => {});
  for (const d of dbs) await d.drop().catch(() => {});
}
if (values.only !== 'loopback') {
  try {
    const realistic = await runRealisticSection();
    results.realistic = realistic;
    results.realisticCommand = REALISTIC_COMMAND;
    if (realistic.errors.length > 0) exitCode = 1;
  } catch (err) {
    exitCode = 1;
    console.error(err);
    results.realisticError = String((err as Error).stack ?? err);
  }
}
if (values.only !== 'loopback') {
  try {
    results.tenants = await runTenantsSection();
  } catch (err) {
    exitCode = 1;
    console.error(err);
    results.tenantsError = String((err as Error).stack ?? err);
  }
}
results.totalMinutes = round((Date.now() - t0) / 60_000);
console.log(JSON.stringify(results, null, 2));
fs.writeFileSync(path.join(ROOT, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
// The loopback sections' figures are written when they succeeded; the realistic section's when it did.
if (!values['no-write'] && results.error === undefined) writeDoc(results, String(results.command));
process.exit(exitCode);

function writeDoc(r: Record<string, unknown>, command: string) {
  const s = r.initialSmall as InitialResult;
  const e = r.scimToVisitor as ScimE2eResult;
  const l = r.initialLarge as InitialResult;
  const d = r.daily as Record<
    'changes' | 'scimWrites' | 'scimRequests' | 'seconds' | 'initialSeconds' | 'ratioToInitial',
    number
  >;
  const dp = (r.daily as { phases?: Awaited<ReturnType<typeof phasesOf>> }).phases;
  // The daily run reuses the 100k worker: its high-water mark covers both runs.
  const peakRss = Math.max(
    l.workerPeakRssMb ?? 1e9,
    (r.daily as { workerPeakRssMb?: number }).workerPeakRssMb ?? 0,
  );
  const q = r.rateLimited as Record<
    | 'limitPerSecond'
    | 'clientMaxPerSecond'
    | 'users'
    | 'requests'
    | 'seconds'
    | 'achievedPerSecond'
    | 'shareOfLimit'
    | 'provoked429',
    number
  >;
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
  const maxHistory = Math.max(s.longestHistoryEvents, l.longestHistoryEvents);
  const scale = l.seconds / s.seconds;
  const doc = `# Benchmarks

One run of \`npm run bench\` on this machine (${(r.machine as { cpus: number }).cpus} cores, ${
    (r.machine as { memoryGb: number }).memoryGb
  } GB, Node ${(r.machine as { node: string }).node}), ${r.totalMinutes} min in all, everything side by side against
the same Visitor emulator process; its own Temporal dev server; the worker is \`workers/main.ts\` as a
separate process (a fresh one per measured sync), ${CONCURRENCY} requests in flight to Visitor
(VISITOR_SCIM_CONCURRENCY), page size ${PAGE_SIZE}, ${LOCATIONS} locations. Reproduce with:

    ${command}

(results also in \`bench-results.json\`, not committed; load average at the start:
${(r.loadAverageAtStart as number[] | undefined)?.join(', ') ?? '?'} — other sessions' tests shared the machine).

## Against the goals

| goal | measured | |
|---|---|---|
| initial sync ≥ 0.8× raw baseline at ${SMALL / 1000}k | ${s.usersPerSecond} users/s vs ${s.baselineUsersPerSecond} → **${s.ratioToBaseline}×** | ${mark(s.ratioToBaseline >= 0.8)} |
| initial sync ≥ 0.8× raw baseline at ${LARGE / 1000}k | ${l.usersPerSecond} users/s vs ${l.baselineUsersPerSecond} → **${l.ratioToBaseline}×** | ${mark(l.ratioToBaseline >= 0.8)} |
| ${LARGE / 1000}k run ≤ 11× the ${SMALL / 1000}k run | ${l.seconds} s / ${s.seconds} s = **${round(scale, 2)}×** | ${mark(scale <= 11)} |
| daily: SCIM writes = changes | ${d.scimWrites} writes for ${d.changes} changes | ${mark(d.scimWrites === d.changes)} |
| daily ≤ 10 % of the initial sync | ${d.seconds} s vs ${d.initialSeconds} s = **${round(d.ratioToInitial * 100, 1)} %** | ${mark(d.ratioToInitial <= 0.1)} |
| ≥ 95 % of a rate limit, no 429 storm | ${q.achievedPerSecond} req/s of ${q.limitPerSecond} = **${round(q.shareOfLimit * 100, 1)} %**, ${q.provoked429} × 429 | ${mark(q.shareOfLimit >= 0.95 && q.provoked429 < q.requests * 0.01)} |
| worker peak RSS ≤ 400 MB at ${LARGE / 1000}k | **${peakRss} MB** (VmHWM, initial and daily runs of one worker) | ${mark(peakRss <= 400)} |
| no history over 10k events | longest **${maxHistory}** events (${l.workflowRuns} runs in the ${LARGE / 1000}k chain) | ${mark(maxHistory <= 10_000)} |

## Initial sync

| users | sync s | users/s | raw baseline users/s (s) | ratio | worker peak RSS | longest history | runs (continue-as-new) | SCIM req/user |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| ${s.users} | ${s.seconds} | ${s.usersPerSecond} | ${s.baselineUsersPerSecond} (${s.baseline.seconds}) | ${s.ratioToBaseline} | ${s.workerPeakRssMb} MB | ${s.longestHistoryEvents} | ${s.workflowRuns} | ${s.scimRequestsPerUser} |
| ${l.users} | ${l.seconds} | ${l.usersPerSecond} | ${l.baselineUsersPerSecond} (${l.baseline.seconds}) | ${l.ratioToBaseline} | ${l.workerPeakRssMb} MB | ${l.longestHistoryEvents} | ${l.workflowRuns} | ${l.scimRequestsPerUser} |

The sync's time includes everything a run does: the 500 location creates, partitioning, reading
Engage and the sync state, planning, the SCIM creates (one POST per user, invitation included),
saving state and the provisioning log. The raw baseline is \`dev/bench/run.ts\`'s loop: the same
POST /Users bodies (built with the sync's own \`planUser\` + \`createBody\`, access to all ${LOCATIONS}
locations, invitation on), ${CONCURRENCY} in flight over keep-alive sockets, nothing else.

${[s, l]
  .map(
    (x) =>
      `- At ${Math.round(x.users / 1000)}k users: ${x.phases.beforePagesSeconds} s before the first user page (${x.phases.beforePages.join(', ')}, scheduled to closed), ${x.phases.pagesSeconds} s for ${x.phases.pages} pages, ${x.phases.afterPagesSeconds} s after.`,
  )
  .join('\n')}

## Daily sync at ${LARGE / 1000}k after 1 % churn

| changes in Engage | SCIM writes | SCIM requests | daily s | initial s | daily / initial |
|---:|---:|---:|---:|---:|---:|
| ${d.changes} | ${d.scimWrites} | ${d.scimRequests} | ${d.seconds} | ${d.initialSeconds} | ${round(d.ratioToInitial * 100, 1)} % |
${
  dp
    ? `
The run reads each page's Engage row digests and recorded plan inputs and plans only the users
whose inputs changed (README, "The daily schedule"; dev/bench/NOTES.md, fourth round).
Where the daily run's time went (from its workflow history): ${dp.beforePagesSeconds} s before the first
user page (locations, partition), ${dp.pagesSeconds} s for ${dp.pages} page activities (mean ${dp.meanPageMs} ms
each, several in flight), ${dp.afterPagesSeconds} s after the last (deletions, finishing).
`
    : ''
}
## Rate-limited target

The emulator capped at ${q.limitPerSecond} requests/s (token bucket, burst 10, 429 + Retry-After
beyond it); the worker's client capped at ${q.clientMaxPerSecond}/s (VISITOR_SCIM_MAX_RPS, the
client's \`maxRequestsPerSecond\`). ${q.users} users, ${q.requests} requests in ${q.seconds} s; steady-state rate
${q.achievedPerSecond}/s (${round(q.shareOfLimit * 100, 1)} % of the limit), ${q.provoked429} answers were 429.

## Engage SCIM API → Visitor, end to end

A user created through the Engage SCIM API (as Okta or Entra ID would) until it exists in Visitor
with its access (outbox → \`provision-user-<id>\` workflow → Visitor), then a deactivation
(\`active=false\`) until it is gone from Visitor; ${e.users} users one after the other, against
the same stack. Goal: under 2 s at p95.

| | p50 | p95 | max |
|---|---:|---:|---:|
| created → in Visitor (ms) | ${round(e.createdMs.p50)} | ${round(e.createdMs.p95)} | ${round(e.createdMs.max)} |
| deactivated → gone from Visitor (ms) | ${round(e.deactivatedMs.p50)} | ${round(e.deactivatedMs.p95)} | ${round(e.deactivatedMs.max)} |

${e.withAccess} of ${e.users} arrived with their location access.
`;
  // The realistic section: this run's, or the one the doc already has (a run with --only loopback).
  const realistic =
    r.realistic && (r.realistic as RealisticResults).errors.length === 0
      ? renderRealistic(r.realistic as RealisticResults, String(r.realisticCommand ?? REALISTIC_COMMAND))
      : currentSection({ begin: REALISTIC_BEGIN, end: REALISTIC_END });
  const tenants = r.tenants
    ? `${renderTenants(r.tenants as TenantsResults, TENANTS_COMMAND)}\n`
    : currentSection(TENANTS);
  fs.writeFileSync(
    path.join(ROOT, 'docs', 'benchmarks.md'),
    `${doc}${realistic ? `\n${realistic}` : ''}${tenants ? `\n${tenants}` : ''}${notes()}`,
  );
  console.log('wrote docs/benchmarks.md');
}

/** Puts the realistic section into docs/benchmarks.md, leaving the rest of the doc as it is. */
function writeRealisticDoc(r: RealisticResults, command: string) {
  writeSection({ begin: REALISTIC_BEGIN, end: REALISTIC_END }, renderRealistic(r, command));
  console.log('wrote the realistic section of docs/benchmarks.md');
}

/** The analysis under the figures: where the time goes and what is left (kept by hand). */
function notes(): string {
  const file = path.join(ROOT, 'dev', 'bench', 'NOTES.md');
  return fs.existsSync(file) ? `\n${fs.readFileSync(file, 'utf8')}` : '';
}
