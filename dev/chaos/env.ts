// One isolated environment for a chaos scenario or a benchmark: its own Temporal dev server, emulator
// process, worker processes and fresh Engage/sync databases (in the shared PostgreSQL, or in a private
// cluster when the scenario restarts PostgreSQL).
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDb } from '../../db/connect';
import type { EngageDatabase } from '../../db/engage-schema';
import { type MigrationSet, migrateToLatest } from '../../db/migrate';
import type { SyncDatabase } from '../../db/sync-schema';
import type { RunProgress, SyncRunInput, SyncRunResult } from '../../workflows/types';
import { adminUrl as sharedAdminUrl } from '../harness/db';
import { checkInvariants, type InvariantOptions } from '../harness/invariants';
import type { VisitorState } from '../harness/visitor-state';
import { EmulatorProcess, sleep, TemporalServer, WorkerProcess } from './stack';

export interface Db<DB> {
  url: string;
  db: Kysely<DB>;
  drop(): Promise<void>;
}

/** A fresh database on the given cluster (the shared one by default), migrated. */
export async function createDatabase<DB>(
  prefix: string,
  set: MigrationSet,
  admin = sharedAdminUrl(),
): Promise<Db<DB>> {
  const name = `c_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = createDb<DB>({ url: url.toString(), poolSize: 4 });
  await migrateToLatest(db as Kysely<unknown>, set);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy().catch(() => {});
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

export interface EnvOptions {
  name: string;
  /** Emulator environment (VISITOR_EMULATOR_FAULTS, …). */
  emulatorEnv?: Record<string, string>;
  /** Extra worker environment (SYNC_PAGE_SIZE, VISITOR_SCIM_CONCURRENCY, …). */
  workerEnv?: Record<string, string>;
  /** Admin URL of the PostgreSQL cluster for the databases (default: the shared stack's). */
  postgresAdminUrl?: string;
  log?: (m: string) => void;
}

export class ChaosEnv {
  workers: WorkerProcess[] = [];
  private workerSeq = 0;
  readonly taskQueue: string;
  constructor(
    readonly opts: EnvOptions,
    readonly temporal: TemporalServer,
    readonly emulator: EmulatorProcess,
    readonly engage: Db<EngageDatabase>,
    readonly sync: Db<SyncDatabase>,
    readonly client: Client,
    private readonly closeClient: () => Promise<void>,
  ) {
    this.taskQueue = `chaos-${opts.name}`;
  }

  static async create(opts: EnvOptions): Promise<ChaosEnv> {
    const started: { stop(): Promise<void> }[] = [];
    try {
      const temporal = await TemporalServer.start(opts.name);
      started.push({ stop: () => temporal.destroy() });
      const emulator = await EmulatorProcess.start(opts.name, opts.emulatorEnv);
      started.push(emulator);
      const [engage, sync] = await Promise.all([
        createDatabase<EngageDatabase>(`${opts.name}_engage`, 'engage', opts.postgresAdminUrl),
        createDatabase<SyncDatabase>(`${opts.name}_sync`, 'sync', opts.postgresAdminUrl),
      ]);
      started.push({ stop: () => engage.drop() }, { stop: () => sync.drop() });
      const { client, close } = await temporal.client();
      return new ChaosEnv(opts, temporal, emulator, engage, sync, client, close);
    } catch (err) {
      for (const s of started.reverse()) await s.stop().catch(() => {});
      throw err;
    }
  }

  log(m: string): void {
    this.opts.log?.(`[${this.opts.name}] ${m}`);
  }

  async startWorker(extra: Record<string, string> = {}, opts: { entry?: string; nodeArgs?: string[] } = {}) {
    const w = await WorkerProcess.start(
      `${this.opts.name}-${++this.workerSeq}`,
      {
        temporalAddress: this.temporal.address,
        taskQueue: this.taskQueue,
        databaseUrl: this.sync.url,
        engageDatabaseUrl: this.engage.url,
        visitorUrl: this.emulator.baseUrl,
        extra: {
          SYNC_DELETE_THRESHOLD_PERCENT: '100',
          SYNC_DELETE_THRESHOLD_COUNT: '1000000',
          ...this.opts.workerEnv,
          ...extra,
        },
      },
      opts,
    );
    this.workers.push(w);
    return w;
  }

  async startSync(input: Partial<SyncRunInput>, workflowId?: string): Promise<WorkflowHandle> {
    return this.client.workflow.start('syncRunWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: workflowId ?? `${input.kind ?? 'initial'}-${randomBytes(3).toString('hex')}`,
      args: [{ kind: 'initial', startedBy: 'chaos', ...input } satisfies SyncRunInput],
    });
  }

  /** Polls until the workflow chain (continue-as-new included) is closed; tolerant of server restarts. */
  async waitForResult(handle: WorkflowHandle, timeoutMs: number): Promise<SyncRunResult> {
    const deadline = Date.now() + timeoutMs;
    const h = this.client.workflow.getHandle(handle.workflowId);
    while (Date.now() < deadline) {
      try {
        const d = await h.describe();
        if (d.status.name !== 'RUNNING' && d.status.name !== 'CONTINUED_AS_NEW')
          return (await h.result()) as SyncRunResult;
      } catch {
        // server restarting: try again
      }
      await sleep(500);
    }
    throw new Error(`workflow ${handle.workflowId} did not finish within ${Math.round(timeoutMs / 1000)} s`);
  }

  async progress(workflowId: string): Promise<RunProgress | undefined> {
    try {
      return await this.client.workflow.getHandle(workflowId).query<RunProgress>('progress');
    } catch {
      return undefined;
    }
  }

  /** Waits (bounded) until the share of pages done reaches `fraction`, or the run ends. */
  async waitForProgress(workflowId: string, fraction: number, timeoutMs = 20 * 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (await this.isRunning(workflowId))) {
      const p = await this.progress(workflowId);
      if (p && p.phase === 'users') {
        // Never wait until too few pages are left for a kill to find one running.
        if (p.pagesDone / Math.max(1, p.pagesTotal) >= fraction || p.pagesTotal - p.pagesDone <= 3) return;
      }
      await sleep(500);
    }
  }

  /** Whether the given worker process is executing an activity of this workflow right now. */
  async workerBusy(workflowId: string, w: WorkerProcess): Promise<boolean> {
    try {
      const d = await this.client.workflow.getHandle(workflowId).describe();
      // PendingActivityState 2 = STARTED (a worker holds it).
      return (d.raw.pendingActivities ?? []).some(
        (a) => Number(a.state) === 2 && (a.lastWorkerIdentity ?? '').startsWith(`${w.pid}@`),
      );
    } catch {
      return false;
    }
  }

  /** Waits (bounded) until w runs one of the workflow's activities; false if the workflow ended first. */
  async waitUntilBusy(workflowId: string, w: WorkerProcess, timeoutMs = 180_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.workerBusy(workflowId, w)) return true;
      if (!(await this.isRunning(workflowId))) return false;
      await sleep(200);
    }
    return false;
  }

  async isRunning(workflowId: string): Promise<boolean> {
    try {
      const d = await this.client.workflow.getHandle(workflowId).describe();
      return d.status.name === 'RUNNING';
    } catch {
      return true;
    }
  }

  visitorState(): Promise<VisitorState> {
    return this.emulator.state<VisitorState>();
  }

  invariants(opts: InvariantOptions): Promise<string[]> {
    return checkInvariants(this, opts);
  }

  /** The longest history among the workflow's runs (continue-as-new chains have several). */
  async longestHistory(workflowId: string): Promise<number> {
    let longest = 0;
    for await (const w of this.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      longest = Math.max(longest, w.historyLength ?? 0);
      if (!w.historyLength) {
        const d = await this.client.workflow.getHandle(w.workflowId, w.runId).describe();
        longest = Math.max(longest, d.historyLength);
      }
    }
    return longest;
  }

  async close(): Promise<void> {
    for (const w of this.workers) await w.stop().catch(() => {});
    await this.closeClient().catch(() => {});
    await this.emulator.stop().catch(() => {});
    await this.temporal.destroy().catch(() => {});
    await Promise.all([this.engage.drop().catch(() => {}), this.sync.drop().catch(() => {})]);
  }
}

/** At most `max` lines of problems, with the total. */
export function summariseProblems(problems: string[], max = 5): string {
  if (problems.length === 0) return 'ok';
  return `${problems.length} violation(s): ${problems.slice(0, max).join('; ')}${problems.length > max ? ' …' : ''}`;
}
