// The benchmark section "A realistic Visitor" (issue 15): the emulator's realistic profile (WAN latency,
// a per-company rate limit), worker processes sharing one sync database, and what issue 15 asks of them:
//  1. initial sync of 2,000 users at 20 req/s with 1, 2 and 3 worker processes: share of the limit used,
//     429s, the most requests Visitor saw in any one second;
//  2. latency-bound (150 ms, no limit): throughput with 1, 2 and 3 workers;
//  3. a full reconcile at 5 req/s over 1,000 users, and the issue's measured case scaled down (60 users at
//     0.6 req/s, page size 15; `--realistic-full`: 600 users, page size 150, ~35 min): initial sync, a
//     per-user run started during it, a full reconcile; time against requests ÷ rate, activity attempts;
//  4. users created through the Engage SCIM API while item 1's 3-worker sync saturates the limit;
//  5. an identity provider's push of 10,000 users through the Engage SCIM API at 20 req/s, with the
//     database statements per user (pg_stat_statements).
// Everything is the section's own: a Temporal dev server, emulator and worker processes, a private
// PostgreSQL cluster. Items 3 run beside item 1 (each against its own emulator; they are rate-bound and
// use little CPU); items 2 and 5 run alone.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { sql } from 'kysely';
import pgLib from 'pg';
import type { EngageDatabase } from '../../db/engage-schema';
import type { SyncDatabase } from '../../db/sync-schema';
import { URN_VISITOR_USER } from '../../scim/wire';
import { provisionUserWorkflowId } from '../../workflows/ids';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { ProvisionUserResult, SyncRunInput, SyncRunResult } from '../../workflows/types';
import { createDatabase, type Db } from '../chaos/env';
import {
  CHAOS_DIR,
  EMULATOR_TOKEN,
  freePort,
  PrivatePostgres,
  Proc,
  ROOT,
  sleep,
  WorkerProcess,
} from '../chaos/stack';
import { seedCompany } from '../engage-generator/seed';
import { ensureTemporalCli } from '../stack/temporal';
import { openEngageScim, percentiles } from './scim-e2e';

export interface RealisticOptions {
  log: (message: string) => void;
  /** The measured case at full size (600 users at 0.6 req/s, page size 150): ~35 minutes. */
  fullMeasuredCase?: boolean;
  /** Smoke runs only (figures are not comparable): every user count multiplied by this. */
  scale?: number;
  /** Development: only these items (rate, full5, measured, latency, push); default all. */
  items?: string[];
  /** Users the identity provider pushes (default PUSH.users; the issue's figure is 10,000). */
  pushUsers?: number;
}

// --- settings (the doc prints them from the results) ----------------------------------------------------

const RATE = { users: 2000, locations: 12, limit: 20, pageSize: 100, e2eUsers: 50, workers: [1, 2, 3] };
const LATENCY = {
  users: 2000,
  locations: 12,
  latencyMs: 150,
  concurrency: 8,
  pageSize: 100,
  workers: [1, 2, 3],
};
const FULL5 = { users: 1000, locations: 12, limit: 5, initialLimit: 50 };
const MEASURED = { users: 60, locations: 3, limit: 0.6, pageSize: 15 };
const MEASURED_FULL = { users: 600, locations: 12, limit: 0.6, pageSize: 150 };
/**
 * At item 1's limit (20 req/s): a push at 10,000 takes ~8.5 minutes and the section would pass its 15,
 * so the default pushes 5,000; `--realistic-push-users 10000` pushes the issue's figure. The per-user
 * path's ceiling on this 2-core machine is ~31 users/s (CPU: Temporal dev server and workers;
 * dev/bench/NOTES.md), so a higher limit measures the machine, not the pacing.
 */
const PUSH = {
  users: 5_000,
  issueUsers: 10_000,
  seedUsers: 20,
  locations: 12,
  limit: 20,
  workers: 2,
  pushConcurrency: 8,
};
/** Lookups of the e2e users: round-robin over these companies, each well under its own limit. */
const OBSERVER_TOKENS = ['bench-observer-1', 'bench-observer-2', 'bench-observer-3'];
const OBSERVE_EVERY_MS = 30;
const WAN = '100-300ms';

// --- results ---------------------------------------------------------------------------------------------

export interface Arrivals {
  requests: number;
  accepted: number;
  rateLimited: number;
  maxRequestsInAnySecond: number;
  maxAcceptedInAnySecond: number;
}

export interface HistoryCounts {
  /** Activity attempts beyond the first, summed (ActivityTaskStarted.attempt − 1). */
  extraAttempts: number;
  /** Activities that failed or timed out for good (retries exhausted or not retryable). */
  failedActivities: number;
  /** syncUserPage activities scheduled (a page that returned at its time budget is scheduled again). */
  pageActivities: number;
  activities: number;
}

export interface RateRun extends HistoryCounts {
  workers: number;
  users: number;
  seconds: number;
  arrivals: Arrivals;
  /** Accepted requests ÷ time between 10 % and 90 % of the run's accepted requests. */
  steadyPerSecond: number;
  steadyWindowSeconds: [number, number];
  shareOfLimit: number;
  /** Accepted requests ÷ the whole run. */
  overallPerSecond: number;
  share429: number;
  /** When the 429s came (seconds into the run, to the sampling's 250 ms). */
  rateLimitedAtSeconds: number[];
  scimToVisitor?: E2eResult;
}

export interface E2eResult {
  users: number;
  /** Users whose whole measurement fell while the bulk sync was still running. */
  duringSync: number;
  createdMs: { p50: number; p95: number; max: number };
  withAccess: number;
}

export interface LatencyRun extends HistoryCounts {
  workers: number;
  users: number;
  seconds: number;
  usersPerSecond: number;
  /** First page scheduled → last page closed (from the workflow history). */
  usersPhaseSeconds: number;
  /** Pages each worker ran, most first. */
  pagesPerWorker: number[];
  /** First worker's last page closed → last page closed: the part of the users phase with a worker idle. */
  tailSeconds: number;
  usersPhasePerSecond: number;
  ratioToOne: number;
  usersPhaseRatioToOne: number;
  requests: number;
  /** Cores each process used on average over the run (from /proc), and in all. */
  cores: Record<string, number>;
}

export interface BoundedRun extends HistoryCounts {
  label: string;
  users: number;
  limit: number;
  seconds: number;
  arrivals: Arrivals;
  /** All requests Visitor saw ÷ its limit: the fastest the run could be. */
  idealSeconds: number;
  ratioToIdeal: number;
  status: string;
  counts: SyncRunResult['counts'];
}

export interface PerUserRun extends HistoryCounts {
  engageUserId: number;
  startedAfterSeconds: number;
  seconds: number;
  outcome: string;
  /** The bulk sync was still running when it finished. */
  duringSync: boolean;
}

export interface MeasuredCase {
  users: number;
  locations: number;
  limit: number;
  pageSize: number;
  initial: BoundedRun;
  perUser: PerUserRun;
  full: BoundedRun;
}

export interface PushResult {
  users: number;
  limit: number;
  workers: number;
  pushConcurrency: number;
  /** First POST to the Engage SCIM API → last answered. */
  pushSeconds: number;
  /** First POST → the last user present in Visitor. */
  seconds: number;
  arrivals: Arrivals;
  steadyPerSecond: number;
  shareOfLimit: number;
  steadyUsersPerSecond: number;
  overallUsersPerSecond: number;
  /** pg_stat_statements, every statement (BEGIN/COMMIT included), per pushed user. */
  statementsPerUser: { sync: number; engage: number };
  /** The same without transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT …). */
  queriesPerUser: { sync: number; engage: number };
  /** pg_stat_database: committed transactions per pushed user. */
  transactionsPerUser: { sync: number; engage: number };
  topStatements: { db: 'sync' | 'engage'; callsPerUser: number; query: string }[];
  /** CPU per pushed user (ms) and cores used on average, per process, from /proc (first POST → last in Visitor). */
  cpu: Record<string, { msPerUser: number; cores: number }>;
}

export interface RealisticResults {
  startedAt: string;
  minutes: number;
  /** os.loadavg() at the start and at the end: other sessions' work shares the machine. */
  loadAverage: { start: number[]; end: number[] };
  scale: number;
  settings: {
    rate: typeof RATE;
    latency: typeof LATENCY;
    full5: typeof FULL5;
    measured: typeof MEASURED;
    push: typeof PUSH;
    wanLatency: string;
  };
  rateLimited?: RateRun[];
  latencyBound?: LatencyRun[];
  fullReconcile5?: { initialSeconds: number; full: BoundedRun };
  measured?: MeasuredCase;
  push?: PushResult;
  errors: string[];
}

// --- processes -----------------------------------------------------------------------------------------

interface EmulatorSettings {
  latency: string;
  /** Requests per second per company, or 'off'. */
  rateLimit: string;
  port?: number;
  dataFile?: string;
}

/** dev/bench/realistic-emulator.ts in its own process (the observer companies beside company-1). */
class RealisticEmulator {
  private constructor(
    readonly proc: Proc,
    readonly baseUrl: string,
  ) {}

  get adminUrl(): string {
    return `${new URL(this.baseUrl).origin}/_admin`;
  }

  static async start(name: string, s: EmulatorSettings): Promise<RealisticEmulator> {
    fs.mkdirSync(path.join(CHAOS_DIR, 'logs'), { recursive: true });
    const out = fs.openSync(path.join(CHAOS_DIR, 'logs', `emulator-${name}.log`), 'a');
    fs.writeSync(out, `\n--- ${new Date().toISOString()} ${JSON.stringify(s)}\n`);
    const child: ChildProcess = spawn(
      process.execPath,
      ['--max-old-space-size=2048', '--import', 'tsx', 'dev/bench/realistic-emulator.ts'],
      {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', out],
        env: {
          ...process.env,
          VISITOR_EMULATOR_PORT: String(s.port ?? 0),
          VISITOR_EMULATOR_TOKEN: EMULATOR_TOKEN,
          VISITOR_EMULATOR_PROFILE: 'realistic',
          VISITOR_EMULATOR_LATENCY: s.latency,
          VISITOR_EMULATOR_RATE_LIMIT: s.rateLimit,
          VISITOR_EMULATOR_DATA_FILE: s.dataFile ?? '',
          BENCH_EMULATOR_EXTRA_TOKENS: OBSERVER_TOKENS.join(','),
        },
      },
    );
    child.once('exit', () => fs.closeSync(out));
    const proc = new Proc(`emulator-${name}`, child);
    const baseUrl = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`emulator ${name} did not start within 60 s`)), 60_000);
      child.stdout!.on('data', (d: Buffer) => {
        const text = d.toString('utf8');
        fs.writeSync(out, text);
        buf += text;
        const m = /listening on (\S+)/.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void proc.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`emulator ${name} exited at start; see .data/chaos/logs/emulator-${name}.log`));
      });
    });
    return new RealisticEmulator(proc, baseUrl);
  }

  async stats(): Promise<{ companies: Record<string, Arrivals>; store: { users: number } }> {
    const res = await fetch(`${this.adminUrl}/stats`);
    return (await res.json()) as { companies: Record<string, Arrivals>; store: { users: number } };
  }

  async company(): Promise<Arrivals> {
    return (await this.stats()).companies['company-1']!;
  }

  async resetStats(): Promise<void> {
    const res = await fetch(`${this.adminUrl}/stats/reset`, { method: 'POST' });
    if (!res.ok) throw new Error(`stats reset: ${res.status}`);
  }

  /** Empties Visitor (users and non-default locations) for the next run. */
  async reset(): Promise<void> {
    const res = await fetch(`${this.adminUrl}/reset`, { method: 'POST' });
    if (!res.ok) throw new Error(`reset: ${res.status}`);
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

/**
 * A Temporal dev server with its state in memory: dev/chaos/stack.ts's TemporalServer keeps it in a
 * SQLite file (chaos scenarios restart it), whose fsyncs bound a burst of thousands of per-user
 * workflows on this machine's disk; a real cluster is not a SQLite file either.
 */
class BenchTemporal {
  private constructor(
    readonly proc: Proc,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(name: string): Promise<BenchTemporal> {
    const cli = ensureTemporalCli(() => {});
    const [port, uiPort] = [await freePort(), await freePort()];
    fs.mkdirSync(path.join(CHAOS_DIR, 'logs'), { recursive: true });
    const out = fs.openSync(path.join(CHAOS_DIR, 'logs', `temporal-${name}.log`), 'a');
    const child = spawn(
      cli,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--ui-port',
        String(uiPort),
        '--headless',
        '--namespace',
        'default',
        '--log-level',
        'error',
        '--dynamic-config-value',
        'frontend.enableServerVersionCheck=false',
        '--dynamic-config-value',
        'frontend.namespaceRPS=20000',
        ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([n, t]) => ['--search-attribute', `${n}=${t}`]),
      ],
      { cwd: ROOT, detached: true, stdio: ['ignore', out, out] },
    );
    child.once('exit', () => fs.closeSync(out));
    const t = new BenchTemporal(new Proc(`temporal-${name}`, child), port);
    const deadline = performance.now() + 90_000;
    for (;;) {
      if (!t.proc.alive) throw new Error(`temporal exited; see .data/chaos/logs/temporal-${name}.log`);
      try {
        const { close } = await t.client();
        await close();
        return t;
      } catch (err) {
        if (performance.now() > deadline) throw err;
        await sleep(300);
      }
    }
  }

  async client(): Promise<{ client: Client; close(): Promise<void> }> {
    const connection = await Connection.connect({ address: this.address });
    const client = new Client({ connection, namespace: 'default' });
    // Ready once the namespace answers.
    await client.workflowService.describeNamespace({ namespace: 'default' }).catch(async (err: unknown) => {
      await connection.close();
      throw err;
    });
    return { client, close: () => connection.close() };
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

// --- measuring -------------------------------------------------------------------------------------------

interface Sample {
  t: number;
  a: Arrivals;
  users: number;
}

/** Samples company-1's counters every `everyMs`; a progress line every 15 s. */
function sample(emu: RealisticEmulator, label: string, log: (m: string) => void, everyMs = 250) {
  const samples: Sample[] = [];
  let on = true;
  const loop = (async () => {
    let lastLog = performance.now();
    let lastAccepted = 0;
    while (on) {
      try {
        const s = await emu.stats();
        const a = s.companies['company-1']!;
        const t = performance.now();
        samples.push({ t, a, users: s.store.users });
        if (t - lastLog >= 15_000) {
          const rate = (a.accepted - lastAccepted) / ((t - lastLog) / 1000);
          log(
            `${label}: ${a.accepted} requests accepted (${round(rate)}/s over the last ${Math.round((t - lastLog) / 1000)} s), ${a.rateLimited} × 429, ${s.store.users} users in Visitor`,
          );
          lastLog = t;
          lastAccepted = a.accepted;
        }
      } catch {
        // the emulator restarting: the next sample
      }
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    async stop(): Promise<Sample[]> {
      on = false;
      await loop;
      return samples;
    },
  };
}

/** When `of(sample)` first reached x, interpolated between samples (ms, performance.now()). */
function timeAt(samples: Sample[], of: (s: Sample) => number, x: number): number {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (of(s) < x) continue;
    const p = samples[i - 1];
    if (!p || of(s) === of(p)) return s.t;
    return p.t + ((x - of(p)) / (of(s) - of(p))) * (s.t - p.t);
  }
  return samples.at(-1)?.t ?? 0;
}

/** Growth of `of` per second between 10 % and 90 % of its final value: the steady part of a run. */
function steady(samples: Sample[], of: (s: Sample) => number, from: number, final: number, t0: number) {
  const span = final - from;
  const t1 = timeAt(samples, of, from + 0.1 * span);
  const t2 = timeAt(samples, of, from + 0.9 * span);
  return {
    perSecond: t2 > t1 ? (0.8 * span) / ((t2 - t1) / 1000) : 0,
    window: [round((t1 - t0) / 1000), round((t2 - t0) / 1000)] as [number, number],
  };
}

/** Activity counts from the workflow's histories (every run of a continued chain). */
async function historyCounts(client: Client, workflowId: string): Promise<HistoryCounts> {
  const out: HistoryCounts = { extraAttempts: 0, failedActivities: 0, pageActivities: 0, activities: 0 };
  const runs: (string | undefined)[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
  if (runs.length === 0) runs.push(undefined); // visibility not there yet: the latest run
  for (const runId of runs) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const e of history.events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) {
        out.activities++;
        if (scheduled.activityType?.name === 'syncUserPage') out.pageActivities++;
      }
      const started = e.activityTaskStartedEventAttributes;
      if (started) out.extraAttempts += Math.max(0, (started.attempt ?? 1) - 1);
      if (e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes)
        out.failedActivities++;
    }
  }
  return out;
}

/**
 * The users phase from the histories: first page scheduled → last page closed; the pages each worker
 * ran (by the identity that started them); and the tail, from the first worker's last page closing to
 * the end, when fewer workers than the run's had a page.
 */
async function usersPhase(
  client: Client,
  workflowId: string,
): Promise<{ seconds: number; pagesPerWorker: number[]; tailSeconds: number }> {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  const pageIds = new Set<string>();
  const workerOf = new Map<string, string>();
  const lastClosedBy = new Map<string, number>();
  const pagesBy = new Map<string, number>();
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, w.runId).fetchHistory();
    for (const e of history.events ?? []) {
      const t = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncUserPage') {
        pageIds.add(`${w.runId}:${e.eventId}`);
        first = Math.min(first, t);
      }
      const started = e.activityTaskStartedEventAttributes;
      const startedKey = started && `${w.runId}:${started.scheduledEventId}`;
      if (startedKey && pageIds.has(startedKey)) {
        const who = started.identity ?? '?';
        workerOf.set(startedKey, who);
        pagesBy.set(who, (pagesBy.get(who) ?? 0) + 1);
      }
      const closed = e.activityTaskCompletedEventAttributes;
      const closedKey = closed && `${w.runId}:${closed.scheduledEventId}`;
      if (closedKey && pageIds.has(closedKey)) {
        last = Math.max(last, t);
        const who = workerOf.get(closedKey) ?? '?';
        lastClosedBy.set(who, Math.max(lastClosedBy.get(who) ?? 0, t));
      }
    }
  }
  const firstDone = Math.min(...lastClosedBy.values());
  return {
    seconds: Number.isFinite(first) && last > first ? (last - first) / 1000 : 0,
    pagesPerWorker: [...pagesBy.values()].sort((a, b) => b - a),
    tailSeconds: lastClosedBy.size > 0 ? round((last - firstDone) / 1000) : 0,
  };
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function round(x: number, d = 1): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}

// --- the section -----------------------------------------------------------------------------------------

export async function runRealistic(opts: RealisticOptions): Promise<RealisticResults> {
  const { log } = opts;
  const scale = opts.scale ?? 1;
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  const t0 = Date.now();
  const results: RealisticResults = {
    startedAt: new Date().toISOString(),
    minutes: 0,
    loadAverage: { start: os.loadavg().map((x) => round(x, 2)), end: [] },
    scale,
    settings: {
      rate: RATE,
      latency: LATENCY,
      full5: FULL5,
      measured: opts.fullMeasuredCase ? MEASURED_FULL : MEASURED,
      push: PUSH,
      wanLatency: WAN,
    },
    errors: [],
  };
  const cleanups: (() => Promise<unknown>)[] = [];
  const later = (f: () => Promise<unknown>) => cleanups.push(f);

  // A private cluster: statements can be counted (pg_stat_statements) and other sessions' tests do
  // not share it. fsync off, as PrivatePostgres sets up.
  log('realistic: private PostgreSQL (pg_stat_statements), Temporal dev server');
  const pg = await PrivatePostgres.create('bench-realistic');
  later(() => pg.destroy());
  fs.appendFileSync(
    path.join(pg.dir, 'data', 'postgresql.conf'),
    "\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.max = 10000\nmax_connections = 500\n",
  );
  await pg.stop();
  await pg.start();
  const temporal = await BenchTemporal.start('realistic');
  later(() => temporal.stop());
  const { client, close: closeClient } = await temporal.client();
  later(closeClient);

  const dbs: Db<unknown>[] = [];
  later(async () => {
    for (const d of dbs) await d.drop().catch(() => {});
  });
  const database = async <DB>(name: string, set: 'engage' | 'sync') => {
    const d = await createDatabase<DB>(`realistic_${name}`, set, pg.adminUrl);
    dbs.push(d as Db<unknown>);
    return d;
  };
  const engageDb = async (name: string, users: number, locations: number) => {
    const d = await database<EngageDatabase>(`${name}_engage`, 'engage');
    await seedCompany(d.db, { users, locations, seed: `realistic-${name}` });
    return d;
  };
  const emulators: RealisticEmulator[] = [];
  later(async () => {
    for (const e of emulators) await e.stop().catch(() => {});
  });
  const emulator = async (name: string, s: EmulatorSettings) => {
    const e = await RealisticEmulator.start(name, s);
    emulators.push(e);
    return e;
  };
  const workers: WorkerProcess[] = [];
  later(async () => {
    for (const w of workers) await w.stop().catch(() => {});
  });
  let workerSeq = 0;
  const startWorkers = async (
    count: number,
    taskQueue: string,
    d: { engage: Db<EngageDatabase>; sync: Db<SyncDatabase> },
    visitorUrl: string,
    extra: Record<string, string>,
  ) => {
    const started = await Promise.all(
      Array.from({ length: count }, () =>
        WorkerProcess.start(`realistic-${++workerSeq}`, {
          temporalAddress: temporal.address,
          taskQueue,
          databaseUrl: d.sync.url,
          engageDatabaseUrl: d.engage.url,
          visitorUrl,
          extra: { SYNC_INVITATIONS: 'send', ...extra },
        }),
      ),
    );
    workers.push(...started);
    return {
      workers: started,
      stop: () => Promise.all(started.map((w) => w.stop())),
    };
  };
  const startSync = (taskQueue: string, workflowId: string, input: Partial<SyncRunInput>) =>
    client.workflow.start('syncRunWorkflow', {
      taskQueue,
      workflowId,
      args: [
        {
          kind: 'initial',
          startedBy: 'bench',
          invitations: { mode: 'send' },
          ...input,
        } satisfies SyncRunInput,
      ],
    });
  const finished = async (handle: WorkflowHandle, started: number) => {
    const result = (await handle.result()) as SyncRunResult;
    return { result, seconds: (performance.now() - started) / 1000 };
  };
  /** CPU seconds so far of the section's processes: Temporal, the given workers, an emulator, PostgreSQL. */
  const processCpu = (workerPids: number[], emu: RealisticEmulator): Record<string, () => number> => ({
    temporal: () => cpuOf(temporal.proc.pid),
    workers: () => workerPids.reduce((a, pid) => a + cpuOf(pid), 0),
    emulator: () => cpuOf(emu.proc.pid),
    postgres: () => postgresPids(path.join(pg.dir, 'data')).reduce((a, pid) => a + cpuOf(pid), 0),
  });
  /** Engage user ids from here on: per-user workflow ids never meet another item's. */
  const moveUserIds = (d: Db<EngageDatabase>, from: number) =>
    sql`SELECT setval(pg_get_serial_sequence('engage.users', 'id'), ${from}, false)`.execute(d.db);

  // Items 1 start measuring once items 3 have started their processes (a process starting takes a core
  // for a second or two: the worker timers and the emulator's arrivals would jitter).
  const startedUp = { full5: deferred(), measured: deferred() };

  // --- item 3a: a full reconcile at 5 req/s over 1,000 users ---------------------------------------------
  const fullReconcile5 = async () => {
    const label = 'full reconcile 5/s';
    const users = n(FULL5.users);
    const port = await freePort();
    const dataFile = path.join(CHAOS_DIR, 'realistic-full5.jsonl');
    for (const f of [dataFile, `${dataFile}.journal`]) fs.rmSync(f, { force: true });
    later(async () => {
      for (const f of [dataFile, `${dataFile}.journal`]) fs.rmSync(f, { force: true });
    });
    const d = {
      engage: await engageDb('full5', users, FULL5.locations),
      sync: await database<SyncDatabase>('full5_sync', 'sync'),
    };
    // The initial sync at a higher limit (saves time); then the emulator restarts on its data file at 5/s.
    let emu = await emulator('realistic-full5-a', {
      latency: WAN,
      rateLimit: String(FULL5.initialLimit),
      port,
      dataFile,
    });
    let w = await startWorkers(1, 'realistic-full5', d, emu.baseUrl, {
      VISITOR_SCIM_MAX_RPS: String(FULL5.initialLimit),
    });
    log(`${label}: initial sync of ${users} users at ${FULL5.initialLimit} req/s first`);
    let t = performance.now();
    const initial = await finished(await startSync('realistic-full5', 'realistic-full5-initial', {}), t);
    if (initial.result.status !== 'completed') throw new Error(`${label}: initial ${initial.result.status}`);
    await w.stop();
    await emu.stop();
    emu = await emulator('realistic-full5-b', {
      latency: WAN,
      rateLimit: String(FULL5.limit),
      port,
      dataFile,
    });
    w = await startWorkers(1, 'realistic-full5', d, emu.baseUrl, {
      VISITOR_SCIM_MAX_RPS: String(FULL5.limit),
    });
    log(`${label}: initial done in ${round(initial.seconds)} s; full reconcile at ${FULL5.limit} req/s`);
    await emu.resetStats();
    const sampler = sample(emu, label, log);
    t = performance.now();
    const id = 'realistic-full5-full';
    const fullHandle = await startSync('realistic-full5', id, {
      kind: 'daily',
      full: true,
      invitations: undefined,
    });
    startedUp.full5.resolve();
    const full = await finished(fullHandle, t);
    await sampler.stop();
    const arrivals = await emu.company();
    await w.stop();
    await emu.stop();
    const run = boundedRun(label, users, FULL5.limit, full, arrivals, await historyCounts(client, id));
    log(
      `${label}: ${run.status} in ${round(run.seconds)} s, ideal ${run.idealSeconds} s (${run.arrivals.requests} requests)`,
    );
    results.fullReconcile5 = { initialSeconds: round(initial.seconds), full: run };
  };

  const boundedRun = (
    label: string,
    users: number,
    limit: number,
    r: { result: SyncRunResult; seconds: number },
    arrivals: Arrivals,
    h: HistoryCounts,
  ): BoundedRun => {
    const idealSeconds = arrivals.requests / limit;
    return {
      label,
      users,
      limit,
      seconds: round(r.seconds),
      arrivals,
      idealSeconds: round(idealSeconds),
      ratioToIdeal: round(r.seconds / idealSeconds, 2),
      status: r.result.status,
      counts: r.result.counts,
      ...h,
    };
  };

  // --- item 3b: the issue's measured case, scaled down (or full size) -------------------------------------
  const measuredCase = async () => {
    const m = opts.fullMeasuredCase ? MEASURED_FULL : MEASURED;
    const users = n(m.users);
    const label = `measured case ${users}@${m.limit}/s`;
    const d = {
      engage: await engageDb('measured', users, m.locations),
      sync: await database<SyncDatabase>('measured_sync', 'sync'),
    };
    const emu = await emulator('realistic-measured', { latency: WAN, rateLimit: String(m.limit) });
    const tq = 'realistic-measured';
    const w = await startWorkers(1, tq, d, emu.baseUrl, { VISITOR_SCIM_MAX_RPS: String(m.limit) });
    const lastUser = await d.engage.db
      .selectFrom('engage.users')
      .select('id')
      .where('active', '=', true)
      .where('deleted_at', 'is', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    log(`${label}: initial sync (page size ${m.pageSize}); a per-user run for user ${lastUser.id} during it`);
    await emu.resetStats();
    let sampler = sample(emu, `${label} initial`, log);
    const t = performance.now();
    const initialId = 'realistic-measured-initial';
    const handle = await startSync(tq, initialId, { pageSize: m.pageSize });
    startedUp.measured.resolve();
    let initialDone = false;
    const initialP = finished(handle, t).finally(() => {
      initialDone = true;
    });
    // The per-user run starts once a fifth of the users were created, while the bulk saturates the limit.
    const trigger = Math.ceil(users * 0.2) + m.locations + 1;
    while (!initialDone && ((await emu.company().catch(() => undefined))?.accepted ?? 0) < trigger)
      await sleep(250);
    const perUserStart = performance.now();
    const perUserId = provisionUserWorkflowId(Number(lastUser.id));
    const perUserResult = (await client.workflow.execute('provisionUserWorkflow', {
      taskQueue: tq,
      workflowId: perUserId,
      args: [{ engageUserId: Number(lastUser.id), startedBy: 'bench' }],
    })) as ProvisionUserResult;
    const perUserSeconds = (performance.now() - perUserStart) / 1000;
    const perUser: PerUserRun = {
      engageUserId: Number(lastUser.id),
      startedAfterSeconds: round((perUserStart - t) / 1000),
      seconds: round(perUserSeconds, 2),
      outcome: perUserResult.outcome,
      duringSync: !initialDone,
      ...(await historyCounts(client, perUserId)),
    };
    log(
      `${label}: per-user run ${perUser.outcome} in ${perUser.seconds} s (bulk still running: ${perUser.duringSync})`,
    );
    const initial = await initialP;
    await sampler.stop();
    const initialRun = boundedRun(
      `${label} initial`,
      users,
      m.limit,
      initial,
      await emu.company(),
      await historyCounts(client, initialId),
    );
    log(
      `${label}: initial ${initialRun.status} in ${initialRun.seconds} s, ideal ${initialRun.idealSeconds} s`,
    );
    await emu.resetStats();
    sampler = sample(emu, `${label} full`, log);
    const t2 = performance.now();
    const fullId = 'realistic-measured-full';
    const full = await finished(
      await startSync(tq, fullId, {
        kind: 'daily',
        full: true,
        invitations: undefined,
        pageSize: m.pageSize,
      }),
      t2,
    );
    await sampler.stop();
    const fullRun = boundedRun(
      `${label} full`,
      users,
      m.limit,
      full,
      await emu.company(),
      await historyCounts(client, fullId),
    );
    log(
      `${label}: full reconcile ${fullRun.status} in ${fullRun.seconds} s, ideal ${fullRun.idealSeconds} s`,
    );
    await w.stop();
    await emu.stop();
    results.measured = {
      users,
      locations: m.locations,
      limit: m.limit,
      pageSize: m.pageSize,
      initial: initialRun,
      perUser,
      full: fullRun,
    };
  };

  // --- items 1 and 4: 20 req/s, 1–3 workers; Engage SCIM creates during the 3-worker run -----------------
  const rateLimited = async () => {
    const users = n(RATE.users);
    const engage = await engageDb('rate', users, RATE.locations);
    await moveUserIds(engage, 200_000);
    const emu = await emulator('realistic-rate', { latency: WAN, rateLimit: String(RATE.limit) });
    const runs: RateRun[] = [];
    for (const count of RATE.workers) {
      const label = `${RATE.limit} req/s, ${count} worker${count > 1 ? 's' : ''}`;
      await emu.reset();
      const sync = await database<SyncDatabase>(`rate${count}_sync`, 'sync');
      const tq = `realistic-rate-${count}`;
      const w = await startWorkers(count, tq, { engage, sync }, emu.baseUrl, {
        VISITOR_SCIM_MAX_RPS: String(RATE.limit),
      });
      await Promise.all([startedUp.full5.promise, startedUp.measured.promise]);
      await sleep(1100); // the limiter's window empties
      await emu.resetStats();
      log(`${label}: initial sync of ${users} users (page size ${RATE.pageSize})`);
      const sampler = sample(emu, label, log);
      const t = performance.now();
      const id = `realistic-rate-${count}`;
      const handle = await startSync(tq, id, { pageSize: RATE.pageSize });
      let syncDone = false;
      const syncP = finished(handle, t).finally(() => {
        syncDone = true;
      });
      let e2e: E2eResult | undefined;
      if (count === RATE.workers.at(-1)) {
        // Once the users phase is under way (the limit saturated), one new hire after another.
        while (!syncDone && ((await emu.company().catch(() => undefined))?.accepted ?? 0) < 200)
          await sleep(250);
        log(`${label}: ${RATE.e2eUsers} users created through the Engage SCIM API during the sync`);
        e2e = await createsWhileBusy(engage, tq, emu, n(RATE.e2eUsers), () => syncDone);
        log(`${label}: Engage SCIM → Visitor ${JSON.stringify(e2e)}`);
      }
      const r = await syncP;
      const samples = await sampler.stop();
      const arrivals = await emu.company();
      await w.stop();
      if (r.result.status !== 'completed') throw new Error(`${label}: sync ended ${r.result.status}`);
      const s = steady(samples, (x) => x.a.accepted, 0, arrivals.accepted, t);
      const rateLimitedAtSeconds: number[] = [];
      let seen = 0;
      for (const x of samples) {
        for (; seen < x.a.rateLimited; seen++) rateLimitedAtSeconds.push(round((x.t - t) / 1000));
      }
      const run: RateRun = {
        workers: count,
        users: (r.result.counts.created ?? 0) + (r.result.counts.adopted ?? 0),
        seconds: round(r.seconds),
        arrivals,
        steadyPerSecond: round(s.perSecond, 2),
        steadyWindowSeconds: s.window,
        shareOfLimit: round(s.perSecond / RATE.limit, 3),
        overallPerSecond: round(arrivals.accepted / r.seconds, 2),
        share429: round(arrivals.rateLimited / Math.max(1, arrivals.requests), 5),
        rateLimitedAtSeconds,
        ...(e2e ? { scimToVisitor: e2e } : {}),
        ...(await historyCounts(client, id)),
      };
      runs.push(run);
      log(
        `${label}: ${run.users} users in ${run.seconds} s; steady ${run.steadyPerSecond} req/s (${round(run.shareOfLimit * 100)} %), ${arrivals.rateLimited} × 429 of ${arrivals.requests}, most in one second ${arrivals.maxRequestsInAnySecond}`,
      );
    }
    await emu.stop();
    results.rateLimited = runs;
  };

  /** New hires through the Engage SCIM API one after another, each until it is in Visitor. */
  const createsWhileBusy = async (
    engage: Db<EngageDatabase>,
    taskQueue: string,
    emu: RealisticEmulator,
    count: number,
    syncDone: () => boolean,
  ): Promise<E2eResult> => {
    const session = await openEngageScim({ engageDb: engage.db, temporal: client, taskQueue });
    try {
      const created: number[] = [];
      let withAccess = 0;
      let duringSync = 0;
      for (let i = 0; i < count; i++) {
        const userName = `bench.hire.${Date.now()}.${i}@meridian-group.example`;
        const t = performance.now();
        const res = await fetch(`${session.baseUrl}/Users`, {
          method: 'POST',
          headers: session.headers,
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName,
            name: { givenName: 'Bench', familyName: `Hire ${i}` },
            emails: [{ value: userName, type: 'work', primary: true }],
            active: true,
          }),
        });
        if (res.status !== 201) throw new Error(`Engage SCIM create answered ${res.status}`);
        await res.arrayBuffer();
        const seen = await observe(emu, userName, t);
        created.push(seen.ms);
        if (seen.withAccess) withAccess++;
        if (!syncDone()) duringSync++;
      }
      return { users: count, duringSync, createdMs: percentiles(created), withAccess };
    } finally {
      await session.close();
    }
  };

  // --- item 2: latency-bound --------------------------------------------------------------------------------
  const latencyBound = async () => {
    const users = n(LATENCY.users);
    const engage = await engageDb('latency', users, LATENCY.locations);
    const emu = await emulator('realistic-latency', { latency: `${LATENCY.latencyMs}ms`, rateLimit: 'off' });
    const runs: LatencyRun[] = [];
    for (const count of LATENCY.workers) {
      const label = `latency ${LATENCY.latencyMs} ms, ${count} worker${count > 1 ? 's' : ''}`;
      await emu.reset();
      const sync = await database<SyncDatabase>(`latency${count}_sync`, 'sync');
      const tq = `realistic-latency-${count}`;
      const w = await startWorkers(count, tq, { engage, sync }, emu.baseUrl, {
        VISITOR_SCIM_CONCURRENCY: String(LATENCY.concurrency),
      });
      await emu.resetStats();
      log(`${label}: initial sync of ${users} users`);
      const cpuUsed = cpuMeter(
        processCpu(
          w.workers.map((x) => x.pid),
          emu,
        ),
      );
      const t = performance.now();
      const id = `realistic-latency-${count}`;
      const r = await finished(await startSync(tq, id, { pageSize: LATENCY.pageSize }), t);
      const used = cpuUsed();
      const cores = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, round(v / r.seconds, 2)]));
      cores.all = round(Object.values(used).reduce((a, v) => a + v, 0) / r.seconds, 2);
      const arrivals = await emu.company();
      await w.stop();
      if (r.result.status !== 'completed') throw new Error(`${label}: sync ended ${r.result.status}`);
      const provisioned = (r.result.counts.created ?? 0) + (r.result.counts.adopted ?? 0);
      const users_ = await usersPhase(client, id);
      const phase = users_.seconds;
      const first = runs[0];
      const usersPerSecond = provisioned / r.seconds;
      const phasePerSecond = phase > 0 ? provisioned / phase : 0;
      runs.push({
        workers: count,
        users: provisioned,
        seconds: round(r.seconds),
        usersPerSecond: round(usersPerSecond),
        usersPhaseSeconds: round(phase),
        pagesPerWorker: users_.pagesPerWorker,
        tailSeconds: users_.tailSeconds,
        usersPhasePerSecond: round(phasePerSecond),
        ratioToOne: round(first ? usersPerSecond / first.usersPerSecond : 1, 2),
        usersPhaseRatioToOne: round(first ? phasePerSecond / first.usersPhasePerSecond : 1, 2),
        requests: arrivals.requests,
        cores,
        ...(await historyCounts(client, id)),
      });
      log(
        `${label}: ${provisioned} users in ${round(r.seconds)} s (${round(usersPerSecond)} users/s); cores ${JSON.stringify(cores)}`,
      );
    }
    await emu.stop();
    results.latencyBound = runs;
  };

  // --- item 5: an identity provider's push of 10,000 users --------------------------------------------------
  const push = async () => {
    const users = n(opts.pushUsers ?? PUSH.users);
    const label = `IdP push of ${users}`;
    const d = {
      engage: await engageDb('push', PUSH.seedUsers, PUSH.locations),
      sync: await database<SyncDatabase>('push_sync', 'sync'),
    };
    await moveUserIds(d.engage, 1_000_000);
    const emu = await emulator('realistic-push', { latency: WAN, rateLimit: String(PUSH.limit) });
    const tq = 'realistic-push';
    const w = await startWorkers(PUSH.workers, tq, d, emu.baseUrl, {
      VISITOR_SCIM_MAX_RPS: String(PUSH.limit),
    });
    // Visitor's locations and a few users first, as after an initial sync.
    const warm = await finished(await startSync(tq, 'realistic-push-initial', {}), performance.now());
    if (warm.result.status !== 'completed') throw new Error(`${label}: initial ${warm.result.status}`);
    const session = await openEngageScim({ engageDb: d.engage.db, temporal: client, taskQueue: tq });
    const admin = await pgAdmin(pg.adminUrl);
    try {
      const dbNames = { sync: dbName(d.sync.url), engage: dbName(d.engage.url) };
      await admin.query('SELECT pg_stat_statements_reset()');
      const before = await xacts(admin, dbNames);
      const usersBefore = (await emu.stats()).store.users;
      await sleep(1100);
      await emu.resetStats();
      log(`${label}: POST /Users × ${users} to the Engage SCIM API (${PUSH.pushConcurrency} at a time)`);
      const sampler = sample(emu, label, log);
      const cpuUsed = cpuMeter({
        ...processCpu(
          w.workers.map((x) => x.pid),
          emu,
        ),
        'bench (Engage SCIM API, publisher)': () =>
          (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      });
      const t = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: PUSH.pushConcurrency }, async () => {
          while (next < users) {
            const i = next++;
            const userName = `idp.push.${i}@meridian-group.example`;
            const res = await fetch(`${session.baseUrl}/Users`, {
              method: 'POST',
              headers: session.headers,
              body: JSON.stringify({
                schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
                userName,
                name: { givenName: 'Pushed', familyName: `User ${i}` },
                emails: [{ value: userName, type: 'work', primary: true }],
                active: true,
              }),
            });
            if (res.status !== 201) throw new Error(`Engage SCIM create answered ${res.status}`);
            await res.arrayBuffer();
          }
        }),
      );
      const pushSeconds = (performance.now() - t) / 1000;
      log(`${label}: pushed in ${round(pushSeconds)} s; waiting for Visitor`);
      const deadline = performance.now() + 10 * 60_000;
      while ((await emu.stats()).store.users < usersBefore + users) {
        if (performance.now() > deadline)
          throw new Error(`${label}: not all users reached Visitor in 10 min`);
        await sleep(250);
      }
      const seconds = (performance.now() - t) / 1000;
      const cpu = Object.fromEntries(
        Object.entries(cpuUsed()).map(([k, used]) => [
          k,
          { msPerUser: round((used * 1000) / users, 2), cores: round(used / seconds, 2) },
        ]),
      );
      // Every per-user run finished (their last statements counted too).
      while (
        (
          await client.workflow.count(
            `WorkflowType = 'provisionUserWorkflow' AND ExecutionStatus = 'Running'`,
          )
        ).count > 0
      ) {
        if (performance.now() > deadline) break;
        await sleep(500);
      }
      const samples = await sampler.stop();
      const arrivals = await emu.company();
      const s = steady(samples, (x) => x.a.accepted, 0, arrivals.accepted, t);
      const u = steady(samples, (x) => x.users, usersBefore, usersBefore + users, t);
      const after = await xacts(admin, dbNames);
      const statements = await admin.query<{ db: string; calls: string; control: boolean; query: string }>(
        `SELECT d.datname AS db, s.calls::text AS calls, s.query,
                s.query ~* '^\\s*(begin|commit|rollback|savepoint|release|start transaction)' AS control
           FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
          WHERE d.datname = ANY($1)`,
        [[dbNames.sync, dbNames.engage]],
      );
      const which = (db: string): 'sync' | 'engage' => (db === dbNames.sync ? 'sync' : 'engage');
      const sum = (pred: (r: (typeof statements.rows)[number]) => boolean) => ({
        sync: round(
          statements.rows
            .filter((r) => which(r.db) === 'sync' && pred(r))
            .reduce((a, r) => a + Number(r.calls), 0) / users,
          2,
        ),
        engage: round(
          statements.rows
            .filter((r) => which(r.db) === 'engage' && pred(r))
            .reduce((a, r) => a + Number(r.calls), 0) / users,
          2,
        ),
      });
      const top = [...statements.rows]
        .filter((r) => Number(r.calls) / users >= 0.05)
        .sort((a, b) => which(b.db).localeCompare(which(a.db)) || Number(b.calls) - Number(a.calls))
        .map((r) => ({
          db: which(r.db),
          callsPerUser: round(Number(r.calls) / users, 2),
          query: r.query.replace(/\s+/g, ' ').slice(0, 110),
        }));
      results.push = {
        users,
        limit: PUSH.limit,
        workers: PUSH.workers,
        pushConcurrency: PUSH.pushConcurrency,
        pushSeconds: round(pushSeconds),
        seconds: round(seconds),
        arrivals,
        steadyPerSecond: round(s.perSecond, 2),
        shareOfLimit: round(s.perSecond / PUSH.limit, 3),
        steadyUsersPerSecond: round(u.perSecond, 2),
        overallUsersPerSecond: round(users / seconds, 2),
        statementsPerUser: sum(() => true),
        queriesPerUser: sum((r) => !r.control),
        transactionsPerUser: {
          sync: round((after.sync - before.sync) / users, 2),
          engage: round((after.engage - before.engage) / users, 2),
        },
        topStatements: top,
        cpu,
      };
      log(`${label}: ${JSON.stringify({ ...results.push, topStatements: undefined })}`);
    } finally {
      await admin.end().catch(() => {});
      await session.close().catch(() => {});
      await w.stop();
      await emu.stop();
    }
  };

  const attempt = async (name: string, f: () => Promise<void>, done?: Deferred) => {
    const item = {
      'rate-limited initial syncs': 'rate',
      'full reconcile at 5 req/s': 'full5',
      'measured case': 'measured',
      'latency-bound': 'latency',
      'IdP push': 'push',
    }[name];
    try {
      if (opts.items && item && !opts.items.includes(item)) return;
      await f();
    } catch (err) {
      log(`realistic: ${name} failed: ${(err as Error).stack ?? err}`);
      results.errors.push(`${name}: ${(err as Error).message}`);
    } finally {
      done?.resolve();
    }
  };

  try {
    // Items 3 are rate-bound (5 and 0.6 req/s): they run beside items 1 and 4, each on its own emulator.
    await Promise.all([
      attempt('rate-limited initial syncs', rateLimited),
      attempt('full reconcile at 5 req/s', fullReconcile5, startedUp.full5),
      attempt('measured case', measuredCase, startedUp.measured),
    ]);
    await attempt('latency-bound', latencyBound);
    await attempt('IdP push', push);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    results.minutes = round((Date.now() - t0) / 60_000);
    results.loadAverage.end = os.loadavg().map((x) => round(x, 2));
  }
  return results;
}

/**
 * When the user is first seen in Visitor: lookups by userName every OBSERVE_EVERY_MS, overlapping (each
 * takes the emulator's latency), round-robin over the observer companies so none nears its own limit.
 */
async function observe(
  emu: RealisticEmulator,
  userName: string,
  t0: number,
): Promise<{ ms: number; withAccess: boolean }> {
  const url = `${emu.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;
  return new Promise((resolve, reject) => {
    let done = false;
    let i = 0;
    const stop = () => {
      done = true;
      clearInterval(timer);
      clearTimeout(deadline);
    };
    const deadline = setTimeout(() => {
      stop();
      reject(new Error(`${userName} did not reach Visitor within 60 s`));
    }, 60_000);
    const timer = setInterval(() => {
      const token = OBSERVER_TOKENS[i++ % OBSERVER_TOKENS.length]!;
      fetch(url, { headers: { authorization: `Bearer ${token}` } })
        .then(async (res) => {
          const body = (await res.json()) as {
            totalResults?: number;
            Resources?: { [URN_VISITOR_USER]?: { locationAccess?: unknown[] } }[];
          };
          if (done || res.status !== 200 || !body.totalResults) return;
          const ms = performance.now() - t0;
          stop();
          resolve({
            ms,
            withAccess: (body.Resources?.[0]?.[URN_VISITOR_USER]?.locationAccess?.length ?? 0) > 0,
          });
        })
        .catch(() => {});
    }, OBSERVE_EVERY_MS);
  });
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) a process has used; 0 once it is gone. */
function cpuOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU seconds each part used since the meter started. */
function cpuMeter(parts: Record<string, () => number>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, f()]));
  return () => Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, f() - (start[k] ?? 0)]));
}

/** The postmaster of a cluster and its children (backends, background workers). */
function postgresPids(dataDir: string): number[] {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster)
        pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

async function pgAdmin(url: string) {
  const c = new pgLib.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return c;
}

const dbName = (url: string) => new URL(url).pathname.slice(1);

async function xacts(
  admin: Awaited<ReturnType<typeof pgAdmin>>,
  names: { sync: string; engage: string },
): Promise<{ sync: number; engage: number }> {
  const { rows } = await admin.query<{ datname: string; x: string }>(
    'SELECT datname, xact_commit::text AS x FROM pg_stat_database WHERE datname = ANY($1)',
    [[names.sync, names.engage]],
  );
  const of = (name: string) => Number(rows.find((r) => r.datname === name)?.x ?? 0);
  return { sync: of(names.sync), engage: of(names.engage) };
}

// --- the doc -------------------------------------------------------------------------------------------

export const REALISTIC_BEGIN = '<!-- realistic:begin (dev/bench/realistic.ts writes this section) -->';
export const REALISTIC_END = '<!-- realistic:end -->';

/** The section's markdown, between its markers. */
export function renderRealistic(r: RealisticResults, command: string): string {
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
  const pct = (x: number, d = 1) => `${round(x * 100, d)} %`;
  const s = r.settings;
  const lines: string[] = [REALISTIC_BEGIN, '', '## A realistic Visitor (issue 15)', ''];
  lines.push(
    `One run of the section on this machine, ${r.minutes} min (${r.startedAt.slice(0, 16).replace('T', ' ')} UTC; load average
${r.loadAverage.start.join(', ')} at the start and ${r.loadAverage.end.join(', ')} at the end: other sessions' tests shared the 2 cores). Reproduce with:`,
    '',
    `    ${command}`,
    '',
    `It is part of \`npm run bench\`; \`--only realistic\` runs it alone and replaces only this section here.
The Visitor emulator runs its realistic profile in its own process (\`dev/bench/realistic-emulator.ts\`,
the profile of \`docs/visitor-scim-api.md\` §12): every SCIM answer delayed by a latency drawn uniformly
from ${s.wanLatency} (a fixed ${s.latency.latencyMs} ms in the latency-bound runs) and a per-company limit, a strict
sliding 1-second window decided on arrival (429 + Retry-After). Request counts are the emulator's
\`/_admin/stats\` for the synced company (\`company-1\`); the bench's own lookups use other companies
(tokens), so they never spend the limit. Workers are \`workers/main.ts\` processes (default
\`WORKER_PAGE_SLOTS\` 4, \`VISITOR_SCIM_CONCURRENCY\` 16 unless said), all of a run sharing one sync
database, with \`VISITOR_SCIM_MAX_RPS\` set to Visitor's limit (the deployment's total; the pacer spaces
requests at 0.97 × it). Own Temporal dev server; databases in a private PostgreSQL cluster (fsync off,
pg_stat_statements loaded). The full reconcile at 5 req/s and the measured case run beside the
20 req/s runs (each against its own emulator process); the latency-bound runs and the push run alone.`,
  );
  if (r.scale !== 1) lines.push('', `**Smoke run: user counts scaled by ${r.scale}; not comparable.**`);
  if (r.errors.length) lines.push('', `**Errors:** ${r.errors.join('; ')}`);

  lines.push('', '### Against the goals', '', '| goal | measured | |', '|---|---|---|');
  for (const x of r.rateLimited ?? []) {
    const missed = [
      ...(x.shareOfLimit >= 0.95 ? [] : ['≥ 95 %']),
      ...(x.share429 < 0.005 ? [] : ['429s']),
      ...(x.arrivals.maxRequestsInAnySecond <= s.rate.limit ? [] : [`≤ ${s.rate.limit} in 1 s`]),
    ];
    lines.push(
      `| ${x.workers} worker${x.workers > 1 ? 's' : ''} at ${s.rate.limit} req/s: ≥ 95 % of the limit, 429s < 0.5 % of requests, ≤ ${s.rate.limit} requests in any 1-s window | **${pct(x.shareOfLimit)}** (${x.steadyPerSecond} req/s), **${x.arrivals.rateLimited}** × 429 of ${x.arrivals.requests} (${pct(x.share429, 2)}), at most **${x.arrivals.maxRequestsInAnySecond}** | ${missed.length ? `**missed**: ${missed.join(', ')}` : 'met'} |`,
    );
  }
  const lb = r.latencyBound ?? [];
  if (lb.length) {
    const grows = lb.every((x, i) => i === 0 || x.usersPerSecond > lb[i - 1]!.usersPerSecond);
    lines.push(
      `| latency-bound: throughput grows with workers | ${lb.map((x) => `${x.usersPerSecond}`).join(' → ')} users/s (**${lb.map((x) => `${x.ratioToOne}×`).join(' / ')}**) | ${mark(grows)} |`,
    );
  }
  if (r.fullReconcile5) {
    const f = r.fullReconcile5.full;
    lines.push(
      `| full reconcile at ${f.limit} req/s over ${f.users.toLocaleString('en')} users finishes | ${f.status} in **${f.seconds} s**, ideal ${f.idealSeconds} s (${f.ratioToIdeal}×), ${f.extraAttempts} retried attempts | ${mark(f.status === 'completed')} |`,
    );
  }
  if (r.measured) {
    const m = r.measured;
    const ok =
      m.initial.status === 'completed' && m.full.status === 'completed' && m.perUser.outcome !== 'failed';
    lines.push(
      `| measured case, ${m.users} users at ${m.limit} req/s, page ${m.pageSize}: initial, per-user run, full reconcile finish | initial ${m.initial.seconds} s (${m.initial.ratioToIdeal}× ideal), per-user ${m.perUser.seconds} s, full ${m.full.seconds} s (${m.full.ratioToIdeal}× ideal); ${m.initial.extraAttempts + m.full.extraAttempts + m.perUser.extraAttempts} retried attempts | ${mark(ok)} |`,
    );
  }
  const e2e = r.rateLimited?.find((x) => x.scimToVisitor)?.scimToVisitor;
  if (e2e) {
    lines.push(
      `| Engage SCIM create → in Visitor while the limit is saturated: p95 ≤ 2 s | **${round(e2e.createdMs.p95)} ms** p95 over ${e2e.users} users | ${mark(e2e.createdMs.p95 <= 2000)} |`,
    );
  }
  if (r.push) {
    const p = r.push;
    lines.push(
      `| IdP push of ${p.users.toLocaleString('en')} users reaches Visitor at ≥ 90 % of ${p.limit} req/s | ${p.steadyPerSecond} req/s = **${pct(p.shareOfLimit)}** (${p.steadyUsersPerSecond} users/s) | ${mark(p.shareOfLimit >= 0.9)} |`,
    );
  }

  if (r.rateLimited?.length) {
    lines.push(
      '',
      `### 1. Initial sync of ${s.rate.users.toLocaleString('en')} users at ${s.rate.limit} req/s`,
      '',
      `${s.rate.locations} locations, page size ${s.rate.pageSize} (so every worker gets pages), invitations sent with the create. Steady
rate: accepted requests ÷ time between 10 % and 90 % of the run's accepted requests (sampled every 250 ms);
overall: accepted ÷ the whole run (start-up and the last page's tail included).`,
      '',
      '| workers | users | run s | steady req/s | of the limit | overall req/s | requests | 429 | 429s at (s into the run) | most in 1 s (accepted) | retried attempts |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
      ...r.rateLimited.map(
        (x) =>
          `| ${x.workers} | ${x.users} | ${x.seconds} | ${x.steadyPerSecond} | ${pct(x.shareOfLimit)} | ${x.overallPerSecond} | ${x.arrivals.requests} | ${x.arrivals.rateLimited} | ${x.rateLimitedAtSeconds?.join(', ') || '—'} | ${x.arrivals.maxRequestsInAnySecond} (${x.arrivals.maxAcceptedInAnySecond}) | ${x.extraAttempts} |`,
      ),
    );
  }
  if (e2e) {
    lines.push(
      '',
      '### 4. Engage SCIM API → Visitor while an initial sync saturates the limit',
      '',
      `During the ${r.rateLimited!.at(-1)!.workers}-worker run above: ${e2e.users} users created through the Engage SCIM API (in process, with its
outbox publisher) one after another, each timed from its POST until a lookup by userName finds it in
Visitor (lookups every ${OBSERVE_EVERY_MS} ms, overlapping, by other companies). ${e2e.duringSync} of the ${e2e.users} were measured while the bulk
sync was still running; ${e2e.withAccess} arrived with their location access. Their requests are in the run's counts.`,
      '',
      '| | p50 | p95 | max |',
      '|---|---:|---:|---:|',
      `| created → in Visitor (ms) | ${round(e2e.createdMs.p50)} | ${round(e2e.createdMs.p95)} | ${round(e2e.createdMs.max)} |`,
    );
  }
  if (lb.length) {
    lines.push(
      '',
      `### 2. Latency-bound: ${s.latency.latencyMs} ms, no rate limit`,
      '',
      `Initial sync of ${s.latency.users.toLocaleString('en')} users (${s.latency.locations} locations, page size ${s.latency.pageSize}), \`VISITOR_SCIM_CONCURRENCY=${s.latency.concurrency}\` per worker
(so one worker is bound by latency: ${s.latency.concurrency} requests in flight ÷ ${s.latency.latencyMs} ms ≈ ${round(s.latency.concurrency / (s.latency.latencyMs / 1000))} requests/s at most). Users
phase: first page scheduled → last page closed; pages per worker by the identity that ran them; tail: from
the first worker's last page closing to the end (a worker idle), all from the workflow history.`,
      '',
      '| workers | users | run s | users/s | ratio to 1 | users phase s | users/s in it | ratio to 1 | pages per worker | tail s | requests | cores: all (workers, Temporal, emulator, PostgreSQL) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
      ...lb.map(
        (x) =>
          `| ${x.workers} | ${x.users} | ${x.seconds} | ${x.usersPerSecond} | ${x.ratioToOne}× | ${x.usersPhaseSeconds} | ${x.usersPhasePerSecond} | ${x.usersPhaseRatioToOne}× | ${x.pagesPerWorker?.join(' / ') ?? '?'} | ${x.tailSeconds ?? '?'} | ${x.requests} | ${x.cores?.all ?? '?'} (${x.cores?.workers ?? '?'}, ${x.cores?.temporal ?? '?'}, ${x.cores?.emulator ?? '?'}, ${x.cores?.postgres ?? '?'}) |`,
      ),
    );
  }
  const bounded: BoundedRun[] = [];
  if (r.fullReconcile5) bounded.push(r.fullReconcile5.full);
  if (r.measured) bounded.push(r.measured.initial, r.measured.full);
  if (bounded.length) {
    lines.push(
      '',
      '### 3. Slow limits: every run finishes',
      '',
      `Ideal = requests Visitor saw ÷ its limit. Retried attempts: activity attempts beyond the first, from the
workflow histories (ActivityTaskStarted.attempt − 1); failed: activities that failed or timed out for good.
${
  r.fullReconcile5
    ? `The full reconcile at ${r.fullReconcile5.full.limit} req/s follows an initial sync of the same ${r.fullReconcile5.full.users.toLocaleString('en')} users at ${s.full5.initialLimit} req/s
(${r.fullReconcile5.initialSeconds} s), after which the emulator restarted on its data file at ${r.fullReconcile5.full.limit} req/s; default page size. `
    : ''
}${
  r.measured
    ? `The measured case is issue 15's (600 users at 0.6 req/s, page size 150) scaled to ${r.measured.users} users at ${r.measured.limit} req/s, page
size ${r.measured.pageSize}, ${r.measured.locations} locations; one worker with \`VISITOR_SCIM_MAX_RPS=${r.measured.limit}\`. The full-size case runs with
\`--realistic-full\` (not in the default run: its initial sync and full reconcile take about 17 minutes each).`
    : ''
}`,
      '',
      '| run | users | run s | requests | ideal s | run ÷ ideal | 429 | page activities | retried attempts | failed | status |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...bounded.map(
        (x) =>
          `| ${x.label} | ${x.users} | ${x.seconds} | ${x.arrivals.requests} | ${x.idealSeconds} | ${x.ratioToIdeal}× | ${x.arrivals.rateLimited} | ${x.pageActivities} | ${x.extraAttempts} | ${x.failedActivities} | ${x.status} |`,
      ),
    );
    if (r.measured) {
      const p = r.measured.perUser;
      lines.push(
        '',
        `The per-user run (\`provisionUserWorkflow\` for user ${p.engageUserId}, the last page's last active user) started
${p.startedAfterSeconds} s into the initial sync, once a fifth of the users were created, and finished **${p.outcome}** in **${p.seconds} s**
(${p.extraAttempts} retried attempts, ${p.failedActivities} failed; the bulk sync ${p.duringSync ? 'was still running' : 'had finished'}).`,
      );
    }
  }
  if (r.push) {
    const p = r.push;
    lines.push(
      '',
      `### 5. An identity provider's push of ${p.users.toLocaleString('en')} users at ${p.limit} req/s`,
      '',
      `${p.users.toLocaleString('en')} \`POST /Users\` to the Engage SCIM API (in process, ${p.pushConcurrency} at a time, its own per-client rate limit
off, as in the end-to-end measure; with its default 50/s the push itself would be the bound), each
commit starting a per-user workflow through the outbox${
        p.users < s.push.issueUsers
          ? ` (the issue asks for ${s.push.issueUsers.toLocaleString('en')}; at this machine's rate that
push takes ~8.5 minutes and the section would not fit its 15, so the default run pushes ${p.users.toLocaleString('en')}: add
\`--realistic-push-users ${s.push.issueUsers}\` for the issue's figure; one such run is in dev/bench/NOTES.md)`
          : ''
      }; ${p.workers} workers with \`VISITOR_SCIM_MAX_RPS=${p.limit}\`, after an initial
sync of the company's locations and ${s.push.seedUsers} users. The push took ${p.pushSeconds} s; the last user was in Visitor
${p.seconds} s after the first POST (${p.overallUsersPerSecond} users/s overall). Steady part (10–90 %): **${p.steadyPerSecond} accepted req/s
(${pct(p.shareOfLimit)} of the limit)**, ${p.steadyUsersPerSecond} users/s. ${p.arrivals.requests} requests, ${p.arrivals.rateLimited} × 429, at most
${p.arrivals.maxRequestsInAnySecond} in one second.`,
      '',
      `Database work per pushed user, from pg_stat_statements (reset before the push; every statement of
every process on the two databases, so the Engage SCIM API's own writes and its publisher are in the
Engage figures) and pg_stat_database:`,
      '',
      '| per user | sync database | Engage database |',
      '|---|---:|---:|',
      `| statements (BEGIN/COMMIT included) | ${p.statementsPerUser.sync} | ${p.statementsPerUser.engage} |`,
      `| statements without transaction control | ${p.queriesPerUser.sync} | ${p.queriesPerUser.engage} |`,
      `| committed transactions | ${p.transactionsPerUser.sync} | ${p.transactionsPerUser.engage} |`,
      '',
      `CPU while it ran (first POST → last user in Visitor, from /proc; ${Object.values(p.cpu)
        .reduce((a, x) => a + x.cores, 0)
        .toFixed(2)} of this machine's 2 cores in all):`,
      '',
      '| process | CPU ms per user | cores on average |',
      '|---|---:|---:|',
      ...Object.entries(p.cpu).map(([k, x]) => `| ${k} | ${x.msPerUser} | ${x.cores} |`),
      '',
      'Every statement made at least once per 20 users, by database (calls per user):',
      '',
      '| db | calls/user | statement |',
      '|---|---:|---|',
      ...p.topStatements.map((x) => `| ${x.db} | ${x.callsPerUser} | \`${x.query.replace(/\|/g, '\\|')}\` |`),
    );
  }
  lines.push('', REALISTIC_END, '');
  return lines.join('\n');
}

/**
 * The doc with the section put in: in place of its previous version, else before the notes appended
 * from NOTES.md (`notesStart`, their first line), else at the end. Everything else is kept.
 */
