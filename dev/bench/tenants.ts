// The section "Many companies on one deployment": one worker process serving 61 tenants, each with an
// Engage database and a Visitor company of its own. A big tenant's initial sync (20,000 users, paced
// at 40 req/s, pages of 100 so 64 pages queue at once) runs while 60 small tenants' daily runs start;
// how long those take is measured on a Temporal server with fairness keys honoured and on one that
// dispatches first in, first out, and beside the time they take alone. Throughout, PostgreSQL's
// connections from the worker to the tenants' Engage databases are sampled: pools open on demand, at
// most TENANT_MAX_ENGAGE_POOLS stay open, and idle ones close.
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { Secret } from '../../config/secret';
import { parseSecretKeys } from '../../config/service';
import { createDb } from '../../db/connect';
import type { EngageDatabase } from '../../db/engage-schema';
import { migrateToLatest } from '../../db/migrate';
import type { SyncDatabase } from '../../db/sync-schema';
import { tenantFairness } from '../../domain/tenant-fairness';
import { SecretBox } from '../../state/secret-box';
import { TenantRegistry } from '../../state/tenants';
import { RUN_KIND, STARTED_BY, TENANT } from '../../workflows/search-attributes';
import type { SyncRunInput, SyncRunResult } from '../../workflows/types';
import { createDatabase, type Db } from '../chaos/env';
import { sleep, TemporalServer, WorkerProcess } from '../chaos/stack';
import { startVisitorEmulator, type VisitorEmulator } from '../emulator/server';
import { seedCompany } from '../engage-generator/seed';
import { adminUrl } from '../harness/db';
import { round } from './realistic';

export const TENANTS_BEGIN = '<!-- tenants-section:begin -->';
export const TENANTS_END = '<!-- tenants-section:end -->';

export interface TenantsOptions {
  smallTenants: number;
  smallUsers: number;
  bigUsers: number;
  bigRate: number;
  bigPageSize: number;
  log: (m: string) => void;
}

export const TENANTS_DEFAULTS: Omit<TenantsOptions, 'log'> = {
  smallTenants: 60,
  smallUsers: 10,
  bigUsers: 20_000,
  bigRate: 40,
  bigPageSize: 100,
};

/** The worker's pool settings in this section (the pools' bound is their product). */
const POOLS = { maxOpen: 16, poolSize: 2, idleMs: 10_000 };
const READER_APP = 'engage-visitor-sync (tenant reader)';

export interface Durations {
  runs: number;
  completed: number;
  p50: number;
  p95: number;
  max: number;
}

/** Where a batch's runs waited: each task's time from scheduled to started, by kind, in seconds. */
export interface Waits {
  /** Activity type → p95 and max of its tasks' queue waits. */
  activities: Record<string, { p95: number; max: number }>;
  workflowTasks: { p95: number; max: number };
}

export interface Scenario {
  fairness: boolean;
  alone: Durations;
  besideBig: Durations;
  besideBigWaits: Waits;
  /** Users the big tenant's run had in Visitor when the small runs started and when they had finished. */
  bigUsersAtStart: number;
  bigUsersAtEnd: number;
  besideSeconds: number;
  connections: ConnectionSample;
}

export interface ConnectionSample {
  maxReaderConnections: number;
  maxReaderDatabases: number;
  maxAllConnections: number;
  /** Reader connections when the idle time-out had passed after the last run. */
  afterIdle: number;
}

export interface TenantsResults {
  at: string;
  options: Omit<TenantsOptions, 'log'>;
  pools: typeof POOLS;
  scenarios: Scenario[];
}

const KEYS = `k1:${randomBytes(32).toString('base64')}`;

function durations(ms: number[], runs: number): Durations {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! / 1000 : NaN);
  return { runs, completed: s.length, p50: at(0.5), p95: at(0.95), max: at(1) };
}

async function createFromTemplate(template: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await c.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabases(names: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** Samples the worker's connections every 250 ms until stopped. */
function connectionSampler(databases: Set<string>) {
  const c = new pg.Client({ connectionString: adminUrl() });
  const s: ConnectionSample = {
    maxReaderConnections: 0,
    maxReaderDatabases: 0,
    maxAllConnections: 0,
    afterIdle: -1,
  };
  let stop = false;
  const readers = async () => {
    const { rows } = await c.query<{ datname: string; application_name: string; n: number }>(
      `select datname, application_name, count(*)::int as n from pg_stat_activity
        where application_name like 'engage-visitor-sync%' group by 1, 2`,
    );
    const mine = rows.filter((r) => databases.has(r.datname));
    const reader = mine.filter((r) => r.application_name === READER_APP);
    return {
      conns: reader.reduce((a, r) => a + r.n, 0),
      dbs: new Set(reader.map((r) => r.datname)).size,
      all: mine.reduce((a, r) => a + r.n, 0),
    };
  };
  const loop = (async () => {
    await c.connect();
    while (!stop) {
      const r = await readers();
      s.maxReaderConnections = Math.max(s.maxReaderConnections, r.conns);
      s.maxReaderDatabases = Math.max(s.maxReaderDatabases, r.dbs);
      s.maxAllConnections = Math.max(s.maxAllConnections, r.all);
      await sleep(250);
    }
  })();
  return {
    sample: s,
    now: async () => (await readers()).conns,
    async close() {
      stop = true;
      await loop;
      await c.end();
    },
  };
}

interface TenantEnv {
  id: string;
  engageUrl: string;
  emulator: VisitorEmulator;
  token: string;
}

async function visitorUsers(e: VisitorEmulator): Promise<number> {
  const stats = (await (await fetch(`${e.adminUrl}/stats`)).json()) as { store?: { users?: number } };
  return stats.store?.users ?? 0;
}

async function runScenario(
  fairness: boolean,
  o: TenantsOptions,
  tenants: TenantEnv[],
  big: TenantEnv,
  envEngage: Db<EngageDatabase>,
  databases: Set<string>,
): Promise<Scenario> {
  const label = fairness ? 'fairness keys honoured' : 'first in, first out';
  const temporal = await TemporalServer.start(`tenants-${fairness ? 'fair' : 'fifo'}`, { fairness });
  const sync = await createDatabase<SyncDatabase>(`tenants_sync_${fairness ? 'fair' : 'fifo'}`, 'sync');
  databases.add(new URL(sync.url).pathname.slice(1));
  const registry = new TenantRegistry(sync.db, { box: new SecretBox(parseSecretKeys(KEYS)) });
  for (const t of [big, ...tenants])
    await registry.add({
      id: t.id,
      displayName: t.id,
      engage: { kind: 'database', url: new Secret(t.engageUrl) },
      visitor: { url: t.emulator.baseUrl, token: new Secret(t.token) },
      options: {
        invitations: { mode: 'disabled' },
        ...(t === big ? { maxRequestsPerSecond: o.bigRate } : {}),
      },
    });
  const taskQueue = `bench-tenants-${randomBytes(3).toString('hex')}`;
  const worker = await WorkerProcess.start(`tenants-${fairness ? 'fair' : 'fifo'}`, {
    temporalAddress: temporal.address,
    taskQueue,
    databaseUrl: sync.url,
    engageDatabaseUrl: envEngage.url,
    visitorUrl: big.emulator.baseUrl,
    extra: {
      TENANT_SECRETS_KEYS: KEYS,
      TENANT_MAX_ENGAGE_POOLS: String(POOLS.maxOpen),
      TENANT_ENGAGE_POOL_SIZE: String(POOLS.poolSize),
      TENANT_POOL_IDLE: `${POOLS.idleMs}ms`,
    },
  });
  const sampler = connectionSampler(databases);
  const { client, close } = await temporal.client();
  try {
    const start = (t: TenantEnv, kind: 'initial' | 'daily', input: Partial<SyncRunInput> = {}) =>
      client.workflow.start('syncRunWorkflow', {
        taskQueue,
        workflowId: `${t.id}.${kind}-sync-${randomBytes(3).toString('hex')}`,
        args: [{ kind, startedBy: 'bench', ...input } satisfies SyncRunInput],
        typedSearchAttributes: [
          { key: RUN_KIND, value: kind },
          { key: STARTED_BY, value: 'bench' },
          { key: TENANT, value: t.id },
        ],
        priority: tenantFairness(t.id),
      });
    const batch = async (kind: 'initial' | 'daily', timeoutMs: number): Promise<[Durations, Waits]> => {
      const handles = await Promise.all(tenants.map((t) => start(t, kind)));
      const ms = await timedResults(client, handles, timeoutMs);
      return [durations(ms, handles.length), await queueWaits(handles)];
    };
    o.log(`tenants (${label}): ${tenants.length} small tenants' initial syncs`);
    const [initial] = await batch('initial', 300_000);
    if (initial.completed < tenants.length)
      throw new Error(`only ${initial.completed} of ${tenants.length} initial syncs completed`);
    const [alone] = await batch('daily', 300_000);
    o.log(`tenants (${label}): daily runs alone p50 ${alone.p50} s, p95 ${alone.p95} s`);

    const bigRun = await start(big, 'initial', { pageSize: o.bigPageSize });
    // Its pages queue up (64 scheduled at once) and it writes at its limit before the small runs start.
    const t0 = Date.now();
    while ((await visitorUsers(big.emulator)) < o.bigRate * 10 && Date.now() - t0 < 120_000) await sleep(500);
    const bigUsersAtStart = await visitorUsers(big.emulator);
    o.log(`tenants (${label}): big tenant's initial sync running (${bigUsersAtStart} users in its Visitor)`);
    const besideStarted = Date.now();
    const [besideBig, besideBigWaits] = await batch('daily', 600_000);
    const besideSeconds = (Date.now() - besideStarted) / 1000;
    const bigUsersAtEnd = await visitorUsers(big.emulator);
    o.log(
      `tenants (${label}): daily runs beside it p50 ${besideBig.p50} s, p95 ${besideBig.p95} s, max ${besideBig.max} s (${besideBig.completed}/${besideBig.runs})`,
    );
    await bigRun.terminate('bench: measured');
    // The idle time-out passes; every tenant pool must have closed.
    await sleep(POOLS.idleMs + 5_000);
    const afterIdle = await sampler.now();
    await sampler.close();
    return {
      fairness,
      alone,
      besideBig,
      besideBigWaits,
      bigUsersAtStart,
      bigUsersAtEnd,
      besideSeconds,
      connections: { ...sampler.sample, afterIdle },
    };
  } finally {
    await sampler.close().catch(() => {});
    await close();
    await worker.stop();
    await temporal.destroy();
    await sync.drop();
  }
}

function p95max(xs: number[]): { p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p95: round(s[Math.max(0, Math.ceil(0.95 * s.length) - 1)] ?? 0, 2), max: round(s.at(-1) ?? 0, 2) };
}

/** How long the runs' tasks waited in their queues, from their histories. */
async function queueWaits(handles: WorkflowHandle[]): Promise<Waits> {
  const byType: Record<string, number[]> = {};
  const wft: number[] = [];
  const ms = (t: unknown) => tsToMs(t as Parameters<typeof tsToMs>[0]);
  for (const h of handles) {
    const events = (await h.fetchHistory().catch(() => undefined))?.events ?? [];
    const scheduled = new Map<string, { type: string; at: number }>();
    for (const e of events) {
      const id = String(e.eventId);
      if (e.activityTaskScheduledEventAttributes)
        scheduled.set(id, {
          type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
          at: ms(e.eventTime),
        });
      else if (e.workflowTaskScheduledEventAttributes) scheduled.set(id, { type: '', at: ms(e.eventTime) });
      const a = e.activityTaskStartedEventAttributes ?? e.workflowTaskStartedEventAttributes;
      const from = a && scheduled.get(String(a.scheduledEventId));
      if (!from) continue;
      const wait = (ms(e.eventTime) - from.at) / 1000;
      if (from.type === '') wft.push(wait);
      else {
        byType[from.type] ??= [];
        byType[from.type]!.push(wait);
      }
    }
  }
  return {
    activities: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, p95max(v)])),
    workflowTasks: p95max(wft),
  };
}

/** Each run's start-to-close time in ms, for the runs that completed within the time-out. */
async function timedResults(client: Client, handles: WorkflowHandle[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  const out: number[] = [];
  await Promise.all(
    handles.map(async (h) => {
      const r = (await Promise.race([h.result(), sleep(Math.max(0, deadline - Date.now()))])) as
        | SyncRunResult
        | undefined;
      if (r?.status !== 'completed') return;
      const d = await client.workflow.getHandle(h.workflowId).describe();
      if (d.closeTime) out.push(d.closeTime.getTime() - d.startTime.getTime());
    }),
  );
  return out;
}

export async function runTenants(o: TenantsOptions): Promise<TenantsResults> {
  const suffix = randomBytes(3).toString('hex');
  const created: string[] = [];
  const emulators: VisitorEmulator[] = [];
  const envEngage = await createDatabase<EngageDatabase>('tenants_env', 'engage');
  try {
    // One seeded small company, copied for every small tenant (a template copy takes a fraction of a
    // second; seeding 60 databases would take minutes).
    const template = `bench_tenant_tpl_${suffix}`;
    const tplUrl = await createFromTemplate('template1', template);
    created.push(template);
    const tpl = createDb<EngageDatabase>({ url: tplUrl, poolSize: 2 });
    await migrateToLatest(tpl as never, 'engage');
    await seedCompany(tpl, { users: o.smallUsers, locations: 2, seed: 'small' });
    await tpl.destroy();
    const bigName = `bench_tenant_big_${suffix}`;
    const bigUrl = await createFromTemplate('template1', bigName);
    created.push(bigName);
    const bigDb = createDb<EngageDatabase>({ url: bigUrl, poolSize: 4 });
    await migrateToLatest(bigDb as never, 'engage');
    o.log(`tenants: seeding the big tenant's ${o.bigUsers} users`);
    await seedCompany(bigDb, { users: o.bigUsers, locations: 20, seed: 'big' });
    await bigDb.destroy();

    const tenants: TenantEnv[] = [];
    for (let i = 1; i <= o.smallTenants; i++) {
      const name = `bench_tenant_${i}_${suffix}`;
      const url = await createFromTemplate(template, name);
      created.push(name);
      const token = `token-small-${i}`;
      const emulator = await startVisitorEmulator({ token });
      emulators.push(emulator);
      tenants.push({ id: `small-${i}`, engageUrl: url, emulator, token });
    }
    const bigEmulator = await startVisitorEmulator({ token: 'token-big' });
    emulators.push(bigEmulator);
    const big: TenantEnv = { id: 'big', engageUrl: bigUrl, emulator: bigEmulator, token: 'token-big' };
    const databases = new Set(created);
    databases.add(new URL(envEngage.url).pathname.slice(1));

    const scenarios: Scenario[] = [];
    for (const fairness of [false, true]) {
      // Each scenario starts from empty Visitor companies.
      for (const e of emulators) await fetch(`${e.adminUrl}/reset`, { method: 'POST' });
      scenarios.push(await runScenario(fairness, o, tenants, big, envEngage, databases));
    }
    const { log: _log, ...options } = o;
    return { at: new Date().toISOString(), options, pools: POOLS, scenarios };
  } finally {
    for (const e of emulators) await e.close().catch(() => {});
    await envEngage.drop().catch(() => {});
    await dropDatabases(created).catch(() => {});
  }
}

export function renderTenants(r: TenantsResults, command: string): string {
  const o = r.options;
  const [fifo, fair] = [r.scenarios.find((s) => !s.fairness), r.scenarios.find((s) => s.fairness)];
  const row = (label: string, f: (s: Scenario) => string) =>
    `| ${label} | ${fifo ? f(fifo) : '–'} | ${fair ? f(fair) : '–'} |`;
  const d = (x: Durations) =>
    `p50 ${round(x.p50)} s · p95 ${round(x.p95)} s · max ${round(x.max)} s (${x.completed}/${x.runs})`;
  return `${TENANTS_BEGIN}
## Many companies on one deployment

One worker process (the product's defaults: 4 page slots, 32 activity slots) serves ${o.smallTenants + 1}
tenants, each with an Engage database of its own and a Visitor company of its own (loopback
emulators). A big tenant's initial sync of ${o.bigUsers.toLocaleString('en')} users, paced at its
limit of ${o.bigRate} req/s with pages of ${o.bigPageSize} (so 64 pages are queued at once), is
running when ${o.smallTenants} small tenants (${o.smallUsers} users each) start their daily runs.
Measured on a Temporal server that honours the tenants' fairness keys and on one that dispatches
first in, first out (\`matching.enableFairness\` off), each from fresh state. Run ${r.at}.

Reproduce: \`${command}\`

| small tenants' daily runs | first in, first out | fairness keys |
|---|---|---|
${row('alone (no big run)', (s) => d(s.alone))}
${row('beside the big initial sync', (s) => d(s.besideBig))}
${row('— their page activities waiting for a slot (p95 · max)', (s) => waitOf(s, 'syncUserPage'))}
${row('— their other activities waiting (worst type, p95 · max)', (s) => worstOther(s))}
${row('— their workflow tasks waiting (p95 · max)', (s) => `${s.besideBigWaits.workflowTasks.p95} s · ${s.besideBigWaits.workflowTasks.max} s`)}
${row('big tenant: users into Visitor meanwhile', (s) => `${s.bigUsersAtEnd - s.bigUsersAtStart} in ${round(s.besideSeconds)} s`)}

Connections from the worker to the ${o.smallTenants + 1} tenants' Engage databases (sampled every
250 ms; pools of ${r.pools.poolSize}, at most ${r.pools.maxOpen} kept open, closed after
${r.pools.idleMs / 1000} s idle; a pool with a connection checked out is never closed, so the bound
of ${r.pools.maxOpen * r.pools.poolSize} connections is exceeded only while queries of more tenants than that run at once):

| | first in, first out | fairness keys |
|---|---|---|
${row('most tenant-reader connections at once', (s) => String(s.connections.maxReaderConnections))}
${row('most tenant databases connected at once', (s) => String(s.connections.maxReaderDatabases))}
${row('most connections of the worker (state, readers, locks)', (s) => String(s.connections.maxAllConnections))}
${row('tenant-reader connections after the idle time-out', (s) => String(s.connections.afterIdle))}
${TENANTS_END}`;
}

function waitOf(s: Scenario, type: string): string {
  const w = s.besideBigWaits.activities[type];
  return w ? `${w.p95} s · ${w.max} s` : '–';
}

function worstOther(s: Scenario): string {
  const others = Object.entries(s.besideBigWaits.activities).filter(([t]) => t !== 'syncUserPage');
  const worst = others.sort((a, b) => b[1].p95 - a[1].p95)[0];
  return worst ? `${worst[0]}: ${worst[1].p95} s · ${worst[1].max} s` : '–';
}
