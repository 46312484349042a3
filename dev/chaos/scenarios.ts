// The reliability scenarios: each seeds Engage, runs a sync to completion through faults, then checks
// the invariants (test/support/invariants.ts) against Engage, the sync state and Visitor's export.

import { ScheduleOverlapPolicy } from '@temporalio/client';
import { createDb } from '../../db/connect';
import type { EngageDatabase } from '../../db/engage-schema';
import { desiredVisitorUser } from '../../domain/desired-user';
import { createClient, issueToken } from '../../engage-scim/auth/tokens';
import { startPublisher } from '../../engage-scim/publisher';
import { startEngageScimServer } from '../../engage-scim/server';
import {
  deletionDecisionWorkflowId,
  invitationsWorkflowId,
  provisionUserWorkflowId,
} from '../../workflows/ids';
import type {
  DeletionDecision,
  DeletionDecisionResult,
  ProvisionUserInput,
  ProvisionUserResult,
  SyncRunResult,
} from '../../workflows/types';
import { applyChurn } from '../engage-generator/churn';
import { createRandom } from '../engage-generator/random';
import { seedCompany } from '../engage-generator/seed';
import { type InvariantOptions, readEngage } from '../harness/invariants';
import { ChaosEnv, summariseProblems } from './env';
import { PrivatePostgres, sleep, statusCount, type WorkerProcess, writesOf } from './stack';

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
  7: {
    title: 'deletions past the budget left pending while the schedule fires three times, then approved',
    defaultUsers: 2_000,
    run: pendingDecisionSchedule,
  },
  8: {
    title: '2,000 deactivations through the Engage SCIM API at once: at most the budget deleted',
    defaultUsers: 8_000,
    run: scimMassDeactivation,
  },
  9: {
    title: 'per-user runs racing pages in flight: grant → revoke admin, hire → fire',
    defaultUsers: 3_000,
    run: perUserRaces,
  },
  10: {
    title: 'delayed-invitation runs cancelled from the UI and terminated mid-way',
    defaultUsers: 1_500,
    run: cancelAndTerminate,
  },
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
    if (problems.length > 0) await explainUsers(e, problems);
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

/** For a failed run: the sync state and log of the first users the problems name, in the scenario's log. */
async function explainUsers(e: ChaosEnv, problems: string[]): Promise<void> {
  const ids = [
    ...new Set(problems.flatMap((p) => [...p.matchAll(/user (\d+)/gi)].map((m) => Number(m[1])))),
  ].slice(0, 3);
  for (const id of ids) {
    const [engage, state, failure, log] = await Promise.all([
      e.engage.db
        .selectFrom('engage.users')
        .select(['username', 'email', 'active', 'deleted_at', 'user_type', 'updated_at'])
        .where('id', '=', id)
        .executeTakeFirst(),
      e.sync.db.selectFrom('sync.users').selectAll().where('engage_user_id', '=', id).executeTakeFirst(),
      e.sync.db
        .selectFrom('sync.user_failures')
        .selectAll()
        .where('engage_user_id', '=', id)
        .executeTakeFirst(),
      e.sync.db
        .selectFrom('sync.log')
        .select(['run_id', 'action', 'outcome', 'attributes', 'detail', 'at'])
        .where('engage_id', '=', id)
        .orderBy('id')
        .execute(),
    ]);
    e.log(
      `user ${id}: engage ${JSON.stringify(engage)}; state ${JSON.stringify(state)}; failure ${JSON.stringify(failure)}; log ${JSON.stringify(log)}`,
    );
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

// --- issue 14: the deletion budget, per-user races and UI cancellation over the real stack ----------

/** What the deletion guard leaves on purpose: held leavers are still active in Visitor. */
const LEFT_ACTIVE = /^Engage user (\d+) is deleted\/inactive but active in Visitor$/;

/** The full invariants, except that the held leavers are still in Visitor (they wait for the decision). */
async function invariantsExceptHeld(
  e: ChaosEnv,
  opts: InvariantOptions,
  held: ReadonlySet<number>,
  blocked: ReadonlySet<number> = new Set(),
): Promise<string[]> {
  return (await e.invariants(opts)).filter((p) => {
    const m = LEFT_ACTIVE.exec(p);
    if (m && held.has(Number(m[1]))) return false;
    const d = ATTRIBUTE_DIFFERS.exec(p);
    return !(d && blocked.has(Number(d[1])));
  });
}

const ATTRIBUTE_DIFFERS = /^user (\d+): [a-zA-Z -]+ differs$/;

/**
 * Users a held leaver blocks: Engage gave them a userName that a held leaver still has in Visitor, so
 * Visitor refuses it (409, recorded as failed with that reason) until the leaver is deleted.
 */
async function blockedByHeld(e: ChaosEnv, held: ReadonlySet<number>): Promise<Set<number>> {
  const visitor = await e.visitorState();
  const names = visitor.users
    .filter((u) => held.has(Number(u.externalId)))
    .map((u) => `"${u.userName.toLowerCase()}"`);
  const rows = await e.sync.db
    .selectFrom('sync.user_failures')
    .select(['engage_user_id', 'codes', 'detail'])
    .execute();
  return new Set(
    rows
      .filter((r) => {
        const said = String((r.detail as { detail?: unknown }).detail ?? '').toLowerCase();
        return r.codes.includes('visitor_conflict') && names.some((n) => said.includes(n));
      })
      .map((r) => r.engage_user_id),
  );
}

async function heldIds(e: ChaosEnv): Promise<Set<number>> {
  const rows = await e.sync.db.selectFrom('sync.held_deletions').select('engage_user_id').execute();
  return new Set(rows.map((r) => r.engage_user_id));
}

/** Engage ids of the users linked to a Visitor user now, ascending. */
async function provisionedIds(e: ChaosEnv): Promise<number[]> {
  const rows = await e.sync.db
    .selectFrom('sync.users')
    .select('engage_user_id')
    .where('visitor_user_id', 'is not', null)
    .where('deprovisioned', '=', false)
    .orderBy('engage_user_id')
    .execute();
  return rows.map((r) => r.engage_user_id);
}

/** Exactly one pending decision, its workflow running; problems otherwise. */
async function onePendingDecision(
  e: ChaosEnv,
  problems: string[],
): Promise<{ id: number; workflowId: string } | undefined> {
  const rows = await e.sync.db
    .selectFrom('sync.deletion_decisions')
    .select(['id', 'status', 'workflow_key'])
    .execute();
  const pending = rows.filter((r) => r.status === 'pending');
  if (pending.length !== 1)
    problems.push(`${pending.length} pending deletion decisions (want 1; ${rows.length} in all)`);
  if (pending.length === 0) return undefined;
  const id = Number(pending[0]!.id);
  const workflowId = deletionDecisionWorkflowId(id, pending[0]!.workflow_key);
  const d = await e.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => undefined);
  if (d?.status.name === 'RUNNING') return { id, workflowId };
  problems.push(`decision workflow ${workflowId} is ${d?.status.name ?? 'missing'}, not running`);
  return undefined;
}

/** The operator's approval (`npm run sync -- approve`): the update on the decision's workflow. */
async function approveDecision(e: ChaosEnv, workflowId: string): Promise<DeletionDecisionResult> {
  const h = e.client.workflow.getHandle(workflowId);
  await h.executeUpdate('decideDeletions', {
    args: [{ approve: true, by: 'chaos' } satisfies DeletionDecision],
  });
  return (await withDeadline(
    h.result(),
    10 * 60_000,
    'the approved decision did not finish',
  )) as DeletionDecisionResult;
}

function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Polls until `check` holds; false at the deadline. */
async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

/** Runs fn over items, at most `limit` at a time. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

const runStatusOf = async (e: ChaosEnv, runId: string) =>
  (await e.sync.db
    .selectFrom('sync.runs')
    .select(['status', 'finished_at'])
    .where('id', '=', runId)
    .executeTakeFirst()) ?? { status: 'missing', finished_at: null };

const countOf = (rows: { n: string | number | bigint }[]) => Number(rows[0]?.n ?? 0);

// 7 ----------------------------------------------------------------------------------------------------
/**
 * Issue 14, defect 1: more leavers than the budget on a Friday, no operator until Monday. The schedule
 * fires three daily runs (a paused Temporal Schedule's trigger, overlap SKIP as in production) with
 * churn between them: each must complete, creating and updating, while the leavers stay held for one
 * pending decision. Then the operator approves and the leavers go.
 */
async function pendingDecisionSchedule(o: ScenarioOptions): Promise<ScenarioResult> {
  const random = createRandom(`pending/${o.seed}`);
  return withEnv(
    7,
    o,
    { workerEnv: { SYNC_DELETE_THRESHOLD_PERCENT: '10', SYNC_DELETE_THRESHOLD_COUNT: '1000000' } },
    async (e) => {
      await e.startWorker();
      const problems: string[] = [];
      const initial = await e.waitForResult(await e.startSync(INITIAL), 20 * 60_000);
      const results: SyncRunResult[] = [initial];
      const linked = await provisionedIds(e);
      const leavers = random.sample(linked, Math.round(linked.length * 0.15)).sort((a, b) => a - b);
      await e.engage.db
        .updateTable('engage.users')
        .set({ deleted_at: new Date(), updated_at: new Date() })
        .where('id', 'in', leavers)
        .execute();
      e.log(`soft-deleted ${leavers.length} of ${linked.length} provisioned users (budget 10%)`);

      const schedule = await e.client.schedule.create({
        scheduleId: `chaos-daily-${o.seed}`,
        spec: { intervals: [{ every: '24h' }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'syncRunWorkflow',
          taskQueue: e.taskQueue,
          workflowId: 'daily-sync',
          args: [{ kind: 'daily', startedBy: 'schedule' }],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        state: { paused: true },
      });
      const churned: string[] = [];
      const decisions = new Set<string>();
      const mayHold = new Set(leavers);
      const seen = new Set<string>();
      /** One scheduled daily, as the schedule fires it (overlap SKIP), to its end. */
      const fire = async (day: number): Promise<SyncRunResult> => {
        await schedule.trigger(ScheduleOverlapPolicy.SKIP);
        let workflowId: string | undefined;
        await waitUntil(async () => {
          const d = await schedule.describe();
          workflowId = d.info.recentActions
            .map((a) => a.action.workflow.workflowId)
            .find((id) => !seen.has(id));
          return workflowId !== undefined;
        }, 30_000);
        if (!workflowId) throw new Error(`the schedule's trigger ${day} started nothing`);
        seen.add(workflowId);
        const r = await e.waitForResult(e.client.workflow.getHandle(workflowId), 20 * 60_000);
        results.push(r);
        e.log(
          `daily ${day}: ${r.status}, held ${r.deletions?.held ?? 0}, applied ${r.deletions?.applied ?? 0}`,
        );
        if (r.status !== 'completed') problems.push(`daily ${day} ended ${r.status}: ${r.reason}`);
        return r;
      };
      let collateral = new Set<number>();
      let applied = 0;
      try {
        for (let day = 1; day <= 3; day++) {
          const churn = await applyChurn(e.engage.db, {
            seed: `${o.seed}/day-${day}`,
            create: { percent: 1 },
            update: { percent: 3 },
            promote: { percent: 0.5 },
            demote: { percent: 0.5 },
            deactivate: { percent: 0.2 },
          });
          churned.push(
            `+${churn.counts.created} ~${churn.counts.updated_name + churn.counts.updated_title + churn.counts.updated_phone + churn.counts.updated_email} -${churn.counts.deactivated}`,
          );
          const r = await fire(day);
          // The first daily holds all its deletions (the leavers and that day's churn: all or none);
          // later ones keep them held and apply their own within the budget.
          if (day === 1)
            for (const id of [...churn.userIds.deactivated, ...churn.userIds.deleted]) mayHold.add(id);
          if ((r.deletions?.held ?? 0) < leavers.length || (r.deletions?.held ?? 0) > mayHold.size)
            problems.push(
              `daily ${day} holds ${r.deletions?.held ?? 0} deletions for ${leavers.length} leavers`,
            );
          if (r.deletions?.decisionWorkflowId) decisions.add(r.deletions.decisionWorkflowId);
        }
        if (decisions.size !== 1)
          problems.push(`the dailies named ${decisions.size} decision workflows, not one`);

        // Before the decision: the leavers held and still in Visitor, everything else in line.
        const held = await heldIds(e);
        const notHeld = leavers.filter((id) => !held.has(id));
        const strangers = [...held].filter((id) => !mayHold.has(id));
        if (notHeld.length > 0 || strangers.length > 0)
          problems.push(
            `${held.size} held: ${notHeld.length} of the ${leavers.length} leavers not held, ${strangers.length} held who should not be`,
          );
        const visitor = await e.visitorState();
        const activeInVisitor = new Set(
          visitor.users.filter((u) => u.active).map((u) => Number(u.externalId)),
        );
        const gone = leavers.filter((id) => !activeInVisitor.has(id)).length;
        if (gone > 0) problems.push(`${gone} held leavers were deprovisioned before the decision`);
        const decision = await onePendingDecision(e, problems);
        collateral = await blockedByHeld(e, held);
        problems.push(
          ...(await invariantsExceptHeld(e, { invitations: 'send' }, held, collateral)).map(
            (p) => `before approval: ${p}`,
          ),
        );

        // The operator approves: the leavers go; the next scheduled daily brings the users the held
        // leavers blocked (a userName still taken in Visitor) into line, and everything holds.
        if (decision) {
          const d = await approveDecision(e, decision.workflowId);
          applied = d.applied;
          if (d.status !== 'approved' || d.applied !== held.size)
            problems.push(`the decision ended ${d.status}, applied ${d.applied} of ${held.size}`);
          if ((await heldIds(e)).size > 0) problems.push('held deletions left after the approval');
          problems.push(
            ...(await invariantsExceptHeld(e, { invitations: 'send' }, new Set(), collateral)).map(
              (p) => `after approval: ${p}`,
            ),
          );
          await fire(4);
          problems.push(
            ...(await e.invariants({ invitations: 'send' })).map((p) => `after the next daily: ${p}`),
          );
        }
        const info = (await schedule.describe()).info;
        if (info.numActionsSkippedOverlap > 0)
          problems.push(`the schedule skipped ${info.numActionsSkippedOverlap} run(s) for overlap`);
      } finally {
        await schedule.delete().catch(() => {});
      }
      return {
        injected: `${leavers.length} leavers (15 %, budget 10 %) held over 3 scheduled dailies, churn ${churned.join(' / ')}; ${collateral.size} renames blocked by a held userName; approved → ${applied} deleted, 4th daily`,
        results,
        problems,
      };
    },
  );
}

// 8 ----------------------------------------------------------------------------------------------------
/**
 * Issue 14, defect 2: an identity provider unassigns a group of 2,000 users. The real Engage SCIM server
 * (in process, with its outbox publisher) answers 2,000 PATCH active=false requests sent at once and
 * starts one per-user run each; with the default budget (500 users or 10 %) at most 500 go from
 * Visitor, the rest are held for one pending decision. Then the operator approves.
 */
async function scimMassDeactivation(o: ScenarioOptions): Promise<ScenarioResult> {
  const random = createRandom(`scim/${o.seed}`);
  return withEnv(
    8,
    o,
    { workerEnv: { SYNC_DELETE_THRESHOLD_PERCENT: '10', SYNC_DELETE_THRESHOLD_COUNT: '500' } },
    async (e) => {
      await e.startWorker();
      const problems: string[] = [];
      const initial = await e.waitForResult(await e.startSync(INITIAL), 20 * 60_000);
      if (initial.status !== 'completed') problems.push(`initial ended ${initial.status}: ${initial.reason}`);
      const linked = await provisionedIds(e);
      const budget = Math.min(500, Math.floor(linked.length * 0.1));
      const leavers = random.sample(linked, Math.min(2_000, Math.floor(linked.length / 3)));

      const scimDb = createDb<EngageDatabase>({
        url: e.engage.url,
        poolSize: 10,
        applicationName: 'engage-scim',
      });
      const publisher = startPublisher({
        db: scimDb,
        temporalClient: e.client,
        taskQueue: e.taskQueue,
        intervalMs: 200,
        log: (m) => e.log(`publisher: ${m}`),
      });
      const server = await startEngageScimServer({
        db: scimDb,
        port: 0,
        publisher,
        rateLimit: false,
        log: (m) => e.log(`engage-scim: ${m}`),
      });
      let patchSeconds = 0;
      let settleSeconds = 0;
      const outcomes: Record<string, number> = {};
      try {
        const { clientId, clientSecret } = await createClient(scimDb, 'chaos-idp');
        const token = (await issueToken(scimDb, clientId, clientSecret, 3600))!.accessToken;
        const t0 = Date.now();
        let refused = 0;
        // "At once": 50 connections, as fast as the server answers (no rate limit here).
        await forEachLimit(leavers, 50, async (id) => {
          const res = await fetch(`${server.baseUrl}/Users/${id}`, {
            method: 'PATCH',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
            body: JSON.stringify({
              schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
              Operations: [{ op: 'replace', value: { active: false } }],
            }),
          });
          await res.arrayBuffer();
          if (res.status !== 200) refused++;
        });
        patchSeconds = (Date.now() - t0) / 1000;
        if (refused > 0) problems.push(`the Engage SCIM API refused ${refused} PATCH requests`);
        e.log(`${leavers.length} PATCH active=false in ${patchSeconds.toFixed(1)} s`);
        const delivered = await waitUntil(async () => {
          const rows = await scimDb
            .selectFrom('engage.change_outbox')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('delivered_at', 'is', null)
            .execute();
          return countOf(rows) === 0;
        }, 5 * 60_000);
        if (!delivered) problems.push('the outbox was not delivered within 5 minutes');
        // Every per-user run the publisher started, to its end.
        await forEachLimit(leavers, 50, async (id) => {
          const r = (await withDeadline(
            e.client.workflow.getHandle(provisionUserWorkflowId(id)).result(),
            10 * 60_000,
            `provision-user-${id} did not finish`,
          )) as ProvisionUserResult;
          outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
        });
        settleSeconds = (Date.now() - t0) / 1000;
      } finally {
        await server.close();
        await publisher.stop();
        await scimDb.destroy();
      }
      e.log(`per-user outcomes: ${JSON.stringify(outcomes)} (${settleSeconds.toFixed(0)} s)`);

      const visitor = await e.visitorState();
      const activeInVisitor = new Set(visitor.users.filter((u) => u.active).map((u) => Number(u.externalId)));
      const removed = leavers.filter((id) => !activeInVisitor.has(id));
      const held = await heldIds(e);
      if (removed.length > budget)
        problems.push(`${removed.length} users deprovisioned in Visitor, past the budget of ${budget}`);
      const unaccounted = leavers.filter((id) => activeInVisitor.has(id) && !held.has(id));
      if (unaccounted.length > 0)
        problems.push(`${unaccounted.length} deactivated users are neither deprovisioned nor held`);
      if ((outcomes.held ?? 0) !== held.size)
        problems.push(`${outcomes.held ?? 0} per-user runs say held, sync.held_deletions has ${held.size}`);
      const decision = await onePendingDecision(e, problems);
      problems.push(
        ...(await invariantsExceptHeld(e, { invitations: 'send' }, held)).map((p) => `before approval: ${p}`),
      );

      let applied = 0;
      if (decision) {
        const d = await approveDecision(e, decision.workflowId);
        applied = d.applied;
        if (d.status !== 'approved' || d.applied !== held.size)
          problems.push(`the decision ended ${d.status}, applied ${d.applied} of ${held.size}`);
        problems.push(...(await e.invariants({ invitations: 'send' })).map((p) => `after approval: ${p}`));
      }
      return {
        injected: `${leavers.length} SCIM PATCH active=false in ${patchSeconds.toFixed(0)} s → ${removed.length} deprovisioned (budget ${budget}), ${held.size} held; approved → ${applied}`,
        results: [initial],
        problems,
      };
    },
  );
}

// 9 ----------------------------------------------------------------------------------------------------
interface RacePlan {
  pageSize: number;
  grants: number[];
  hires: number[];
}

/**
 * Targets at the tail of each page: all pages are in flight at once (a page size of a quarter of the
 * rows, the window is four), each reads its rows at its start and reaches its tail last.
 */
async function racePlan(
  e: ChaosEnv,
  random: ReturnType<typeof createRandom>,
  opts: { grants: number; hires: number | number[]; linked: boolean },
): Promise<RacePlan> {
  const ids = (await e.engage.db.selectFrom('engage.users').select('id').orderBy('id').execute()).map(
    (r) => r.id,
  );
  const pageSize = Math.ceil(ids.length / 4);
  const tails = new Set<number>();
  for (let start = 0; start < ids.length; start += pageSize) {
    const end = Math.min(ids.length, start + pageSize);
    for (let i = start + Math.floor((end - start) * 0.8); i < end; i++) tails.add(ids[i]!);
  }
  const { users } = await readEngage(e);
  const linked = new Set(await provisionedIds(e));
  const fit = users.filter(
    (u) =>
      tails.has(u.id) &&
      u.active &&
      u.deletedAt === null &&
      u.userType === 'regular' &&
      desiredVisitorUser(u).ok &&
      linked.has(u.id) === opts.linked,
  );
  const grants = random.sample(fit, opts.grants).map((u) => u.id);
  const hires = Array.isArray(opts.hires)
    ? opts.hires.filter((id) => {
        const u = users.find((x) => x.id === id);
        return u?.active === true && u.deletedAt === null && desiredVisitorUser(u).ok;
      })
    : random
        .sample(
          fit.filter((u) => !grants.includes(u.id)),
          opts.hires,
        )
        .map((u) => u.id);
  return { pageSize, grants, hires };
}

const provision = (e: ChaosEnv, engageUserId: number) =>
  withDeadline(
    e.client.workflow.execute('provisionUserWorkflow', {
      taskQueue: e.taskQueue,
      workflowId: provisionUserWorkflowId(engageUserId),
      args: [{ engageUserId, startedBy: 'chaos' } satisfies ProvisionUserInput],
    }) as Promise<ProvisionUserResult>,
    120_000,
    `provision-user-${engageUserId} did not finish`,
  );

/**
 * While the run's pages are in flight: grant then revoke admin, and hire then fire, each through
 * per-user runs. Returns how many pairs raced a page (the per-user runs acted before the page reached
 * the user), and problems.
 */
async function racePages(
  e: ChaosEnv,
  workflowId: string,
  plan: RacePlan,
  expectGrant: string,
): Promise<{ grants: number; hires: number; problems: string[] }> {
  const problems: string[] = [];
  const setType = (id: number, userType: 'regular' | 'global_admin') =>
    e.engage.db
      .updateTable('engage.users')
      .set({ user_type: userType, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  let grants = 0;
  let hires = 0;
  await Promise.all([
    ...plan.grants.map(async (id) => {
      const a = await provision(e, id);
      await setType(id, 'regular');
      const b = await provision(e, id);
      if (a.outcome === expectGrant && b.outcome === 'updated') grants++;
    }),
    ...plan.hires.map(async (id) => {
      const a = await provision(e, id);
      await e.engage.db
        .updateTable('engage.users')
        .set({ active: false, updated_at: new Date() })
        .where('id', '=', id)
        .execute();
      const b = await provision(e, id);
      if (a.outcome === 'created' && (b.outcome === 'deleted' || b.outcome === 'deactivated')) hires++;
    }),
  ]);
  const p = await e.progress(workflowId);
  if (!(p && p.phase === 'users' && p.pagesDone < p.pagesTotal))
    problems.push(`the run's pages were done before the per-user runs (${p?.phase ?? 'ended'})`);
  if (grants === 0) problems.push('no grant → revoke pair raced a page');
  if (hires === 0) problems.push('no hire → fire pair raced a page');
  return { grants, hires, problems };
}

/**
 * Issue 14, defect 3: per-user runs (the Engage SCIM path) and pages acting on one user. During an
 * initial sync and then a daily one, users a page has read but not reached yet are granted then revoked
 * admin, and hired then fired, through per-user runs. When all is done Visitor equals Engage without
 * another run.
 */
async function perUserRaces(o: ScenarioOptions): Promise<ScenarioResult> {
  const random = createRandom(`races/${o.seed}`);
  return withEnv(9, o, { workerEnv: { VISITOR_SCIM_CONCURRENCY: '8' } }, async (e) => {
    await e.startWorker();
    const problems: string[] = [];
    const visitorUsers = async () => (await e.visitorState()).users.length;

    // Initial sync: the granted users and the hires are not in Visitor yet.
    const plan1 = await racePlan(e, random.fork('initial'), { grants: 8, hires: 8, linked: false });
    for (const id of plan1.grants)
      await e.engage.db
        .updateTable('engage.users')
        .set({ user_type: 'global_admin', updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    await e.emulator.setFaults({ latencyMs: { min: 40, max: 80 } });
    const h1 = await e.startSync({ ...INITIAL, pageSize: plan1.pageSize });
    await waitUntil(async () => (await visitorUsers()) >= 40, 5 * 60_000);
    const r1 = await racePages(e, h1.workflowId, plan1, 'created');
    problems.push(...r1.problems.map((p) => `initial: ${p}`));
    const initial = await e.waitForResult(h1, 20 * 60_000);
    await e.emulator.setFaults({});

    // Daily: churn gives the pages work; granted users exist in Visitor, the hires are new rows.
    const churn = await applyChurn(e.engage.db, {
      seed: `${o.seed}/races`,
      update: { percent: 40 },
      create: 8,
    });
    const plan2 = await racePlan(e, random.fork('daily'), {
      grants: 8,
      hires: churn.userIds.created,
      linked: true,
    });
    for (const id of plan2.grants)
      await e.engage.db
        .updateTable('engage.users')
        .set({ user_type: 'global_admin', updated_at: new Date() })
        .where('id', '=', id)
        .execute();
    await e.emulator.setFaults({ latencyMs: { min: 100, max: 200 } });
    const writesBefore = writesOf(await e.emulator.stats());
    const h2 = await e.startSync({ kind: 'daily', startedBy: 'schedule', pageSize: plan2.pageSize });
    await waitUntil(async () => writesOf(await e.emulator.stats()) >= writesBefore + 40, 5 * 60_000);
    const r2 = await racePages(e, h2.workflowId, plan2, 'updated');
    problems.push(...r2.problems.map((p) => `daily: ${p}`));
    const daily = await e.waitForResult(h2, 20 * 60_000);
    await e.emulator.setFaults({});

    for (const r of [initial, daily])
      if (r.status !== 'completed') problems.push(`${r.runId} ended ${r.status}: ${r.reason}`);
    problems.push(...(await e.invariants({ invitations: 'send' })));
    return {
      injected: `initial: ${r1.grants}/${plan1.grants.length} grant→revoke, ${r1.hires}/${plan1.hires.length} hire→fire raced; daily: ${r2.grants}/${plan2.grants.length}, ${r2.hires}/${plan2.hires.length}`,
      results: [initial, daily],
      problems,
    };
  });
}

// 10 ---------------------------------------------------------------------------------------------------
/**
 * Issue 14, defect 5: a delayed-invitation run cancelled from the UI records 'cancelled' and hands its
 * held invitations to its invitations workflow; a run terminated mid-way leaves its pending
 * invitations, which the next bulk run adopts and sends. Then every created user has one invitation.
 */
async function cancelAndTerminate(o: ScenarioOptions): Promise<ScenarioResult> {
  return withEnv(
    10,
    o,
    { workerEnv: { VISITOR_SCIM_CONCURRENCY: '4', SYNC_PAGE_SIZE: '100' } },
    async (e) => {
      await e.startWorker();
      const problems: string[] = [];
      const delay = { mode: 'delay' as const, delayMs: 3_600_000 };
      const step = Math.max(50, Math.floor(o.users / 8));
      const visitorUsers = async () => (await e.visitorState()).users.length;
      const pendingOf = async (runId: string) =>
        (
          await e.sync.db
            .selectFrom('sync.users')
            .select('engage_user_id')
            .where('invitation_run_id', '=', runId)
            .where('invitation_status', '=', 'pending')
            .execute()
        ).map((r) => r.engage_user_id);
      const closed = async (workflowId: string) => {
        let status = 'RUNNING';
        await waitUntil(async () => {
          status = (await e.client.workflow.getHandle(workflowId).describe()).status.name;
          return status !== 'RUNNING';
        }, 5 * 60_000);
        return status;
      };
      /** Until Visitor's user count has not moved for 5 s: the run's activities stopped writing. */
      const quiet = async () => {
        let last = -1;
        let since = Date.now();
        await waitUntil(
          async () => {
            const n = await visitorUsers();
            if (n !== last) {
              last = n;
              since = Date.now();
            }
            return Date.now() - since >= 5_000;
          },
          3 * 60_000,
          500,
        );
        return last;
      };
      await e.emulator.setFaults({ latencyMs: { min: 60, max: 120 }, routes: ['POST /Users'] });

      // 1. Cancelled from the UI (RequestCancelWorkflowExecution) while its pages create users.
      const h1 = await e.startSync({ kind: 'initial', invitations: delay });
      await waitUntil(async () => (await visitorUsers()) >= step, 5 * 60_000);
      await h1.cancel();
      const status1 = await closed(h1.workflowId);
      const atCancel = await visitorUsers();
      const after1 = await quiet();
      if (status1 !== 'CANCELLED') problems.push(`cancelled run's workflow is ${status1}`);
      const rec1 = await runStatusOf(e, h1.workflowId);
      if (rec1.status !== 'cancelled' || !rec1.finished_at)
        problems.push(
          `cancelled run's record says ${rec1.status}${rec1.finished_at ? '' : ', not finished'}`,
        );
      const pending1 = await pendingOf(h1.workflowId);
      const created1 = await e.sync.db
        .selectFrom('sync.users')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('created_by_run', '=', h1.workflowId)
        .where('visitor_user_id', 'is not', null)
        .execute();
      if (pending1.length === 0) problems.push('the cancelled run holds no invitations');
      if (pending1.length !== countOf(created1))
        problems.push(
          `the cancelled run created ${countOf(created1)} users, ${pending1.length} invitations pending`,
        );
      const inv1 = await e.client.workflow
        .getHandle(invitationsWorkflowId(h1.workflowId))
        .describe()
        .catch(() => undefined);
      if (inv1?.status.name !== 'RUNNING')
        problems.push(`invitations-${h1.workflowId} is ${inv1?.status.name ?? 'missing'}, not running`);

      // 2. Terminated mid-way: nothing of the workflow runs any more, its invitations stay pending.
      const h2 = await e.startSync({ kind: 'initial', invitations: delay });
      await waitUntil(async () => (await visitorUsers()) >= after1 + step, 5 * 60_000);
      await h2.terminate('chaos: terminated mid-way');
      const atTerminate = await visitorUsers();
      const after2 = await quiet();
      const pending2 = await pendingOf(h2.workflowId);
      if (pending2.length === 0) problems.push('the terminated run left no pending invitations');
      e.log(
        `cancel: ${pending1.length} held (${after1 - atCancel} users written after the cancel); terminate: ${pending2.length} pending (${after2 - atTerminate} written after)`,
      );

      // 3. The next bulk run adopts them (adoptOrphanedInvitations) and, sending, sends them.
      await e.emulator.setFaults({});
      const h3 = await e.startSync({ kind: 'initial', invitations: { mode: 'send' } });
      const r3 = await e.waitForResult(h3, 20 * 60_000);
      if (r3.status !== 'completed') problems.push(`the next run ended ${r3.status}: ${r3.reason}`);
      const rec2 = await runStatusOf(e, h2.workflowId);
      if (rec2.status !== 'abandoned')
        problems.push(`terminated run's record says ${rec2.status}, not abandoned`);
      const moved = await e.sync.db
        .selectFrom('sync.users')
        .select(['engage_user_id', 'invitation_run_id'])
        .where('engage_user_id', 'in', pending2.length > 0 ? pending2 : [-1])
        .execute();
      const notMoved = moved.filter((m) => m.invitation_run_id !== h3.workflowId).length;
      if (notMoved > 0)
        problems.push(`${notMoved} of ${pending2.length} orphaned invitations not adopted by the next run`);
      const adoptedLog = await e.sync.db
        .selectFrom('sync.log')
        .select(['detail'])
        .where('run_id', '=', h3.workflowId)
        .where('outcome', '=', 'adopted')
        .where('object_type', '=', 'run')
        .execute();
      const fromRun = adoptedLog.map((l) => (l.detail as { fromRun?: string } | null)?.fromRun);
      if (!fromRun.includes(h2.workflowId))
        problems.push('the next run logged no adoption of the terminated run');
      if (fromRun.includes(h1.workflowId))
        problems.push("the next run adopted the cancelled run's held invitations");
      if (pending2.length > 0) {
        const inv3 = e.client.workflow.getHandle(invitationsWorkflowId(h3.workflowId));
        await withDeadline(inv3.result(), 5 * 60_000, 'the adopted invitations were not sent');
      }
      // The operator releases the cancelled run's held invitations.
      const inv1h = e.client.workflow.getHandle(invitationsWorkflowId(h1.workflowId));
      await inv1h.signal('releaseInvitations', { by: 'chaos' });
      await withDeadline(inv1h.result(), 5 * 60_000, 'the released invitations were not sent');
      problems.push(...(await e.invariants(INITIAL_INVARIANTS)));
      return {
        injected: `UI cancel (${pending1.length} invitations held by its workflow), terminate (${pending2.length} pending) → adopted ${pending2.length - notMoved}`,
        results: [
          { runId: h1.workflowId, status: rec1.status as SyncRunResult['status'], counts: {} },
          { runId: h2.workflowId, status: rec2.status as SyncRunResult['status'], counts: {} },
          r3,
        ],
        problems,
      };
    },
  );
}
