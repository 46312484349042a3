// The reliability scenarios: each seeds Engage, runs a sync to completion through faults, then checks
// the invariants (test/support/invariants.ts) against Engage, the sync state and Visitor's export.

import type { SyncRunResult } from '../../workflows/types';
import { applyChurn } from '../engage-generator/churn';
import { createRandom } from '../engage-generator/random';
import { seedCompany } from '../engage-generator/seed';
import { ChaosEnv, summariseProblems } from './env';
import { PrivatePostgres, sleep, statusCount, type WorkerProcess } from './stack';

export interface ScenarioOptions {
  seed: string;
  users: number;
  /** Kills / restarts for the scenarios that inject them. */
  kills?: number;
  /** Scenario 1: extra emulator latency (ms, min; max is twice) so a small run lasts long enough to kill. */
  visitorLatencyMs?: number;
  log?: (m: string) => void;
}

export interface ScenarioResult {
  scenario: number;
  seed: string;
  users: number;
  /** What was injected, human-readable. */
  injected: string;
  statuses: string;
  problems: string[];
  durationMs: number;
  ok: boolean;
}

export const SCENARIOS: Record<
  number,
  { title: string; defaultUsers: number; run: (o: ScenarioOptions) => Promise<ScenarioResult> }
> = {
  1: {
    title: 'worker SIGKILLed at random points of an initial sync',
    defaultUsers: 20_000,
    run: workerKills,
  },
  2: {
    title: 'Temporal dev server stopped (SIGTERM / SIGKILL) and restarted mid-run',
    defaultUsers: 5_000,
    run: temporalRestart,
  },
  3: {
    title: 'Visitor answering 5xx, 429 + Retry-After, hangs, drops, latency, lost answers',
    defaultUsers: 5_000,
    run: visitorFaults,
  },
  4: {
    title: 'daily run after churn with dirty rows, PostgreSQL restarted mid-run',
    defaultUsers: 5_000,
    run: postgresRestart,
  },
  5: {
    title: 'two syncs started at once (initial + schedule trigger): exactly one runs',
    defaultUsers: 3_000,
    run: concurrentStarts,
  },
  6: { title: 'two workers on one task queue, one SIGKILLed mid-run', defaultUsers: 10_000, run: twoWorkers },
};

const LOCATIONS = 25;
const INITIAL = { kind: 'initial' as const, invitations: { mode: 'send' as const } };
const INITIAL_INVARIANTS = {
  accessToAllLocations: true,
  invitations: 'send' as const,
  invitationsOnlyToExistingUsers: true,
};

async function withEnv(
  scenario: number,
  o: ScenarioOptions,
  env: Partial<ConstructorParameters<typeof ChaosEnv>[0]>,
  body: (e: ChaosEnv) => Promise<{ injected: string; results: SyncRunResult[]; problems: string[] }>,
): Promise<ScenarioResult> {
  const t0 = Date.now();
  const e = await ChaosEnv.create({
    name: `s${scenario}-${o.seed}`.replace(/[^a-z0-9-]/gi, ''),
    log: o.log,
    ...env,
  });
  try {
    await seedCompany(e.engage.db, { users: o.users, locations: LOCATIONS, seed: o.seed });
    e.log(`seeded ${o.users} users`);
    const { injected, results, problems } = await body(e);
    const statuses = results
      .map((r) => r.status + (r.reason ? ` (${r.reason.slice(0, 60)})` : ''))
      .join(', ');
    e.log(`done: ${statuses}; invariants ${summariseProblems(problems)}`);
    return {
      scenario,
      seed: o.seed,
      users: o.users,
      injected,
      statuses,
      problems,
      durationMs: Date.now() - t0,
      ok: problems.length === 0,
    };
  } finally {
    await e.close();
  }
}

/** Kills `w` with SIGKILL once it runs an activity of the workflow (after a random extra delay). */
async function killWhenBusy(
  e: ChaosEnv,
  workflowId: string,
  w: WorkerProcess,
  delayMs: number,
): Promise<string | undefined> {
  if (!(await e.waitUntilBusy(workflowId, w))) return undefined;
  await sleep(delayMs);
  if (!(await e.isRunning(workflowId))) return undefined;
  const p = await e.progress(workflowId);
  await w.kill();
  return `${p?.phase ?? '?'}, ${p?.pagesDone ?? '?'}/${p?.pagesTotal ?? '?'} pages done`;
}

// 1 ----------------------------------------------------------------------------------------------------
async function workerKills(o: ScenarioOptions): Promise<ScenarioResult> {
  const kills = o.kills ?? 5;
  const random = createRandom(`kills/${o.seed}`);
  // Enough pages that every kill finds one running: about 6 per kill (at most the default 500 users).
  const pageSize = Math.min(500, Math.max(50, Math.floor(o.users / (kills * 6))));
  return withEnv(1, o, { workerEnv: { SYNC_PAGE_SIZE: String(pageSize) } }, async (e) => {
    if (o.visitorLatencyMs)
      await e.emulator.setFaults({ latencyMs: { min: o.visitorLatencyMs, max: 2 * o.visitorLatencyMs } });
    let w = await e.startWorker();
    const handle = await e.startSync(INITIAL);
    let done = 0;
    for (let k = 0; k < kills; k++) {
      // Spread the kills over the run: the k-th waits for about k/kills of the pages to be done.
      const target = (k / kills) * 0.7 + random.next() * (0.7 / kills);
      await e.waitForProgress(handle.workflowId, target);
      const at = await killWhenBusy(e, handle.workflowId, w, Math.round(random.next() * 1_000));
      if (!at) break;
      done++;
      e.log(`kill ${done}: worker ${w.pid} SIGKILLed (${at})`);
      w = await e.startWorker();
    }
    const result = await e.waitForResult(handle, 30 * 60_000);
    const problems = await e.invariants(INITIAL_INVARIANTS);
    if (done < kills) problems.push(`only ${done} of ${kills} kills landed before the run ended`);
    if (result.status !== 'completed') problems.push(`run ended ${result.status}: ${result.reason}`);
    return { injected: `${done} SIGKILL`, results: [result], problems };
  });
}

// 2 ----------------------------------------------------------------------------------------------------
async function temporalRestart(o: ScenarioOptions): Promise<ScenarioResult> {
  const restarts = o.kills ?? 2;
  const random = createRandom(`temporal/${o.seed}`);
  return withEnv(
    2,
    o,
    { emulatorEnv: { VISITOR_EMULATOR_FAULTS: JSON.stringify({ latencyMs: { min: 2, max: 20 } }) } },
    async (e) => {
      let w = await e.startWorker();
      const handle = await e.startSync(INITIAL);
      const signals: string[] = [];
      for (let k = 0; k < restarts; k++) {
        if (!(await e.waitUntilBusy(handle.workflowId, w))) break;
        await sleep(Math.round(random.next() * 3_000));
        // The last restart of a run is a hard kill (the db file is left as a crash leaves it).
        const sig = k === restarts - 1 ? 'SIGKILL' : 'SIGTERM';
        await e.temporal.stop(sig);
        signals.push(sig);
        e.log(`Temporal server stopped with ${sig}`);
        await sleep(2_000 + Math.round(random.next() * 3_000));
        await e.temporal.restart();
        e.log('Temporal server restarted');
        // The worker rides out the outage; should it have given up, start another (counted).
        await sleep(3_000);
        if (!w.proc.alive) {
          e.log('the worker exited during the outage: starting another');
          signals.push('worker restarted');
          w = await e.startWorker();
        }
      }
      const result = await e.waitForResult(handle, 30 * 60_000);
      const problems = await e.invariants(INITIAL_INVARIANTS);
      if (result.status !== 'completed') problems.push(`run ended ${result.status}: ${result.reason}`);
      if (signals.filter((s) => s.startsWith('SIG')).length < restarts)
        problems.push('not every restart landed mid-run');
      return { injected: signals.join(', '), results: [result], problems };
    },
  );
}

// 3 ----------------------------------------------------------------------------------------------------
export function visitorFaultConfig(seed: number) {
  return {
    seed,
    latencyMs: { min: 1, max: 40 },
    errorRate: 0.1,
    errorStatuses: [500, 502, 503, 504],
    dropRate: 0.005,
    hangRate: 0.005,
    hangMs: 8_000,
    errorAfterCommitRate: 0.02,
    // A rate limit just under what the sync reaches here provokes 429s with Retry-After.
    rateLimit: { perSecond: 150, burst: 20 },
  };
}

async function visitorFaults(o: ScenarioOptions): Promise<ScenarioResult> {
  const seed = Number.parseInt(createRandom(o.seed).next().toString().slice(2, 9), 10) || 1;
  return withEnv(3, o, { workerEnv: { VISITOR_SCIM_TIMEOUT: '3s' } }, async (e) => {
    await e.startWorker();
    // Faults on once the locations exist (the run's first phase retries too, but users are the point).
    await e.emulator.setFaults(visitorFaultConfig(seed));
    const handle = await e.startSync(INITIAL);
    const result = await e.waitForResult(handle, 30 * 60_000);
    await e.emulator.setFaults({});
    const stats = await e.emulator.stats();
    const problems = await e.invariants(INITIAL_INVARIANTS);
    if (result.status !== 'completed') problems.push(`run ended ${result.status}: ${result.reason}`);
    const count = (s: string) => statusCount(stats, s);
    const errors = count('500') + count('502') + count('503') + count('504');
    const injected = `${stats.total} req: ${errors} 5xx, ${count('429')} 429, ${count('hung')} hung, ${count('dropped')} dropped`;
    return { injected, results: [result], problems };
  });
}

// 4 ----------------------------------------------------------------------------------------------------
async function postgresRestart(o: ScenarioOptions): Promise<ScenarioResult> {
  const pg = await PrivatePostgres.create(`s4-${o.seed}`.replace(/[^a-z0-9-]/gi, ''));
  try {
    return await withEnv(
      4,
      o,
      {
        postgresAdminUrl: pg.adminUrl,
        workerEnv: { SYNC_PAGE_SIZE: '100', DATABASE_POOL_SIZE: '6' },
      },
      async (e) => {
        await e.startWorker();
        const initial = await e.waitForResult(await e.startSync(INITIAL), 20 * 60_000);
        const churn = await applyChurn(e.engage.db, {
          seed: o.seed,
          update: { percent: 0.5 },
          create: { percent: 0.2 },
          delete: { percent: 0.1 },
          deactivate: { percent: 0.05 },
          promote: { percent: 0.05 },
          demote: { percent: 0.05 },
          dirty: { percent: 0.2 },
          newLocations: 1,
        });
        e.log(`churn: ${JSON.stringify(churn.counts)}`);
        // Latency keeps the daily run in flight long enough for a restart in the middle of it.
        await e.emulator.setFaults({ latencyMs: { min: 20, max: 60 } });
        const handle = await e.startSync({ kind: 'daily', startedBy: 'schedule' });
        const w = e.workers[0]!;
        let restarted = 0;
        if (await e.waitUntilBusy(handle.workflowId, w)) {
          await pg.stop('fast');
          e.log('PostgreSQL stopped');
          await sleep(3_000);
          await pg.start();
          e.log('PostgreSQL restarted');
          restarted++;
        }
        const daily = await e.waitForResult(handle, 20 * 60_000);
        await e.emulator.setFaults({});
        // Deleted users may have had invitations: no existing-users check on invitations here.
        const problems = await e.invariants({ invitations: 'send' });
        for (const r of [initial, daily])
          if (r.status !== 'completed') problems.push(`${r.runId} ended ${r.status}: ${r.reason}`);
        if (restarted === 0) problems.push('the restart did not land mid-run');
        const dirty = Object.entries(churn.counts)
          .filter(([k]) => k.startsWith('dirty_'))
          .reduce((n, [, v]) => n + v, 0);
        return {
          injected: `PostgreSQL restart ×${restarted}; churn ${dirty} dirty rows`,
          results: [initial, daily],
          problems,
        };
      },
    );
  } finally {
    await pg.destroy();
  }
}

// 5 ----------------------------------------------------------------------------------------------------
async function concurrentStarts(o: ScenarioOptions): Promise<ScenarioResult> {
  return withEnv(5, o, {}, async (e) => {
    await e.startWorker();
    const scheduleId = `chaos-daily-${o.seed}`;
    const schedule = await e.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '24h' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'syncRunWorkflow',
        taskQueue: e.taskQueue,
        workflowId: 'daily-sync',
        args: [{ kind: 'daily', startedBy: 'schedule' }],
      },
      state: { paused: true },
    });
    try {
      const [initial] = await Promise.all([e.startSync(INITIAL), schedule.trigger()]);
      let dailyId: string | undefined;
      for (let i = 0; i < 100 && !dailyId; i++) {
        const d = await schedule.describe();
        dailyId = d.info.recentActions[0]?.action.workflow.workflowId;
        if (!dailyId) await sleep(200);
      }
      if (!dailyId) throw new Error('the schedule trigger started nothing');
      const results = await Promise.all([
        e.waitForResult(initial, 20 * 60_000),
        e.waitForResult(e.client.workflow.getHandle(dailyId), 20 * 60_000),
      ]);
      const problems = await e.invariants({
        accessToAllLocations: true,
        invitationsOnlyToExistingUsers: true,
      });
      const ran = results.filter((r) => r.status === 'completed').length;
      const skipped = results.filter((r) => r.status === 'skipped').length;
      if (ran !== 1 || skipped !== 1)
        problems.push(
          `expected one completed and one skipped run, got ${results.map((r) => r.status).join(' + ')}`,
        );
      const winner = results[0]!.status === 'completed' ? 'initial' : 'daily';
      return { injected: `2 starts at once (${winner} ran)`, results, problems };
    } finally {
      await schedule.delete().catch(() => {});
    }
  });
}

// 6 ----------------------------------------------------------------------------------------------------
async function twoWorkers(o: ScenarioOptions): Promise<ScenarioResult> {
  const random = createRandom(`two/${o.seed}`);
  return withEnv(6, o, {}, async (e) => {
    const [a, b] = [await e.startWorker(), await e.startWorker()];
    const handle = await e.startSync(INITIAL);
    // Kill whichever of the two is first seen running a page.
    let victim: WorkerProcess | undefined;
    const deadline = Date.now() + 180_000;
    while (!victim && Date.now() < deadline && (await e.isRunning(handle.workflowId))) {
      if (await e.workerBusy(handle.workflowId, a)) victim = a;
      else if (await e.workerBusy(handle.workflowId, b)) victim = b;
      else await sleep(200);
    }
    let injected = 'no kill landed';
    if (victim) {
      await sleep(Math.round(random.next() * 3_000));
      await victim.kill();
      injected = `SIGKILL worker ${victim === a ? 'A' : 'B'} (not restarted)`;
      e.log(injected);
    }
    const result = await e.waitForResult(handle, 30 * 60_000);
    const problems = await e.invariants(INITIAL_INVARIANTS);
    if (!victim) problems.push('no worker was killed mid-run');
    if (result.status !== 'completed') problems.push(`run ended ${result.status}: ${result.reason}`);
    return { injected, results: [result], problems };
  });
}
