// The whole product over the real stack for a test: fresh Engage and sync databases in the test
// PostgreSQL, a Visitor emulator over real HTTP, a worker on its own task queue of the real Temporal
// dev server, and a client.
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type ServiceConfig } from '../../config/service';
import type { EngageDatabase } from '../../db/engage-schema';
import type { SyncDatabase } from '../../db/sync-schema';
import {
  startVisitorEmulator,
  type VisitorEmulator,
  type VisitorEmulatorOptions,
} from '../../dev/emulator/server';
import { freshDatabase, type TestDatabase } from '../../dev/harness/db';
import type { VisitorState } from '../../dev/harness/visitor-state';
import { createWorker } from '../../temporal/worker';
import type { WorkerPair } from '../../temporal/worker-pair';
import { type BuiltDeps, buildDeps } from '../../workers/deps';
import type { ProvisionUserResult, SyncRunInput, SyncRunResult } from '../../workflows/types';
import { TEST_NAMESPACE, temporalAddress, testEnv, uniqueTaskQueue, workerConnection } from './temporal';

export const EMULATOR_TOKEN = 'test-visitor-token';

export interface HarnessOptions {
  env?: Record<string, string>;
  emulator?: Partial<VisitorEmulatorOptions>;
}

export class SyncHarness {
  worker?: WorkerPair;
  private running?: Promise<void>;
  private constructor(
    readonly engage: TestDatabase<EngageDatabase>,
    readonly sync: TestDatabase<SyncDatabase>,
    readonly emulator: VisitorEmulator,
    readonly env: TestWorkflowEnvironment,
    readonly taskQueue: string,
    readonly config: ServiceConfig,
    readonly built: BuiltDeps,
  ) {}

  static async create(name: string, options: HarnessOptions = {}): Promise<SyncHarness> {
    const [engage, sync, emulator, env] = await Promise.all([
      freshDatabase<EngageDatabase>(`${name}_engage`, ['engage']),
      freshDatabase<SyncDatabase>(`${name}_sync`, ['sync']),
      startVisitorEmulator({ token: EMULATOR_TOKEN, ...options.emulator }),
      testEnv(),
    ]);
    const taskQueue = uniqueTaskQueue(name);
    const config = loadConfig({
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: TEST_NAMESPACE,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: sync.url,
      ENGAGE_DATABASE_URL: engage.url,
      VISITOR_SCIM_URL: emulator.baseUrl,
      VISITOR_SCIM_TOKEN: EMULATOR_TOKEN,
      VISITOR_SCIM_TIMEOUT: '5s',
      SYNC_PAGE_SIZE: '25',
      ...options.env,
    });
    const built = buildDeps(config, {
      temporal: env.client,
      visitor: { retry: { baseDelayMs: 20, maxDelayMs: 500 } },
    });
    return new SyncHarness(engage, sync, emulator, env, taskQueue, config, built);
  }

  get client(): Client {
    return this.env.client;
  }

  async startWorker(): Promise<void> {
    const connection = await workerConnection();
    this.worker = await createWorker({
      connection,
      namespace: TEST_NAMESPACE,
      taskQueue: this.taskQueue,
      deps: { sync: this.built.engines },
      maxConcurrentActivities: 8,
    });
    this.running = this.worker.run().finally(() => connection.close());
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    this.worker.shutdown();
    await this.running;
    this.worker = undefined;
  }

  newRunId(prefix: string): string {
    return `${prefix}-${this.taskQueue}-${randomBytes(3).toString('hex')}`;
  }

  async runSync(
    input: Partial<SyncRunInput> = {},
    workflowId = this.newRunId(input.kind ?? 'initial'),
  ): Promise<SyncRunResult> {
    return (await this.startSync(input, workflowId)).result();
  }

  /** Starts a sync run and returns at once: its handle (signal, cancel, query it; await its result). */
  async startSync(
    input: Partial<SyncRunInput> = {},
    workflowId = this.newRunId(input.kind ?? 'initial'),
  ): Promise<WorkflowHandle> {
    return this.client.workflow.start('syncRunWorkflow', {
      taskQueue: this.taskQueue,
      workflowId,
      args: [{ kind: 'initial', startedBy: 'test', ...input } satisfies SyncRunInput],
    });
  }

  /** Waits until Visitor holds at least `atLeast` users (a run under way); how many it holds. */
  async waitForVisitorUsers(atLeast: number, timeoutMs = 30_000): Promise<number> {
    for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
      const n = (await this.visitorState()).users.length;
      if (n >= atLeast) return n;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`Visitor never held ${atLeast} users`);
  }

  async provisionUser(engageUserId: number): Promise<ProvisionUserResult> {
    return this.client.workflow.execute('provisionUserWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: `provision-user-${engageUserId}-${this.taskQueue}`,
      args: [{ engageUserId, startedBy: 'test' }],
    });
  }

  async visitorState(): Promise<VisitorState> {
    const res = await fetch(`${this.emulator.adminUrl}/state?format=compact`);
    return (await res.json()) as VisitorState;
  }

  async visitorStats(): Promise<{ byMethod?: Record<string, number>; [k: string]: unknown }> {
    return (await (await fetch(`${this.emulator.adminUrl}/stats`)).json()) as never;
  }

  async setFaults(faults: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.emulator.adminUrl}/faults`, {
      method: 'PUT',
      body: JSON.stringify(faults),
    });
    if (!res.ok) throw new Error(`setFaults: ${res.status} ${await res.text()}`);
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.built.close();
    await Promise.all([this.emulator.close(), this.engage.drop(), this.sync.drop()]);
    await this.env.teardown();
  }
}

/** Runs `body` against a fresh harness named `name`, closing it after (however `body` ends). */
export async function withSyncHarness<T>(
  name: string,
  body: (h: SyncHarness) => Promise<T>,
  options: HarnessOptions = {},
): Promise<T> {
  const h = await SyncHarness.create(name, options);
  try {
    return await body(h);
  } finally {
    await h.close();
  }
}
