// What a CLI command works with: the configuration, and Temporal and the sync database opened only
// when the command needs them (so `--help` and flag errors work with nothing running).
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { ServiceConfig } from '../config/service';
import { createDb } from '../db/connect';
import type { SyncDatabase } from '../db/sync-schema';
import { tenantSyncDb } from '../state/tenant-state';
import type { Tenant } from '../state/tenants';
import { connectClient } from '../temporal/connection';
import { TENANT } from '../workflows/search-attributes';
import { cliActor } from './args';
import { workflowUrl } from './format';
import type { Db } from './runs';

/** A failure the operator can act on: printed as is (no stack), exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

export interface CliContext {
  config: ServiceConfig;
  /** "cli:<os user>" */
  actor: string;
  temporal(): Promise<Client>;
  db(): Db;
  /** The workflow's page in the Temporal UI. */
  link(workflowId: string): string;
  /** The company this command works for (--tenant); absent: the environment-configured one. */
  tenant?: Tenant;
  /** A workflow id of this company's: a tenant's begin with its id. */
  workflowId(base: string): string;
  /** What every run started here carries besides its own search attributes (EvsTenant). */
  tenantAttributes(): SearchAttributePair[];
  close(): Promise<void>;
}

/** A paused tenant starts no run (its schedule is paused too) until `tenant resume`. */
export function refuseIfPaused(ctx: CliContext): void {
  const t = ctx.tenant;
  if (t?.state === 'paused')
    throw new CliError(
      `tenant ${t.id} is paused${t.stateNote ? ` (${t.stateNote})` : ''}: npm run tenant -- resume ${t.id}`,
    );
}

/** The context as one tenant's: its state (db()), its workflow ids and search attribute. */
export function forTenant(ctx: CliContext, tenant: Tenant): CliContext {
  return {
    ...ctx,
    tenant,
    db: () => tenantSyncDb(ctx.db(), tenant.id),
    workflowId: (base) => `${tenant.id}.${base}`,
    tenantAttributes: () => [{ key: TENANT, value: tenant.id }],
  };
}

export function cliContext(config: ServiceConfig): CliContext {
  let client: Promise<Client> | undefined;
  let db: Db | undefined;
  return {
    config,
    actor: cliActor(),
    temporal() {
      client ??= connectClient(config).catch((err: unknown) => {
        throw new CliError(
          `cannot reach Temporal at ${config.temporal.address} (namespace ${config.temporal.namespace}): ${
            (err as Error).message
          }${config.temporal.local ? '\n  start the local stack with: npm run stack:up' : ''}`,
        );
      });
      return client;
    },
    db() {
      db ??= createDb<SyncDatabase>({ url: config.database.url, poolSize: 2, applicationName: 'evs-cli' });
      return db;
    },
    link: (workflowId) => workflowUrl(config.temporal.uiUrl, config.temporal.namespace, workflowId),
    workflowId: (base) => base,
    tenantAttributes: () => [],
    async close() {
      const c = client ? await client.catch(() => undefined) : undefined;
      await Promise.allSettled([c?.connection.close(), db?.destroy()]);
    },
  };
}

/** Database errors in operator words; anything else unchanged. */
export function explainDbError(err: unknown, config: ServiceConfig): unknown {
  const code = (err as { code?: string }).code;
  const where = config.database.local ? 'the local sync database' : 'the sync database (DATABASE_URL)';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT')
    return new CliError(
      `cannot reach ${where}: ${(err as Error).message}${config.database.local ? '\n  start it with: npm run stack:up' : ''}`,
    );
  if (code === '3D000') return new CliError(`${where} does not exist: ${(err as Error).message}`);
  if (code === '42P01' || code === '3F000')
    return new CliError(`${where} has no sync tables yet: run npm run migrate`);
  return err;
}

/** What a slow workflow is waiting for, from its description (pending activities and their failures). */
export interface WaitDescription {
  pendingActivities?:
    | {
        activityType?: { name?: string | null } | null;
        attempt?: number | null;
        lastFailure?: { message?: string | null } | null;
        state?: unknown;
      }[]
    | null;
}

/** One line saying why a run has not answered yet, or undefined when nothing points at a cause. */
export function waitReason(description: WaitDescription): string | undefined {
  const pending = description.pendingActivities ?? [];
  const failing = pending.find((a) => a.lastFailure?.message);
  if (failing) {
    const name = failing.activityType?.name ?? 'an activity';
    return `the run is retrying ${name} (attempt ${failing.attempt ?? '?'}): ${failing.lastFailure!.message}`;
  }
  const started = pending.find((a) => String(a.state).includes('STARTED') || a.state === 2);
  if (started) return `the run is working: ${started.activityType?.name ?? 'an activity'} is under way`;
  return undefined;
}

/**
 * Says once when the workflow takes long to answer: what it waits for when Temporal can tell (an
 * activity retrying on Visitor's errors, or under way), or that a worker may be missing.
 */
export function slowAnswerHint(
  ctx: CliContext,
  handle?: { describe(): Promise<{ raw: WaitDescription }> },
): () => void {
  const timer = setTimeout(async () => {
    const reason = handle
      ? await handle.describe().then(
          (d) => waitReason(d.raw),
          () => undefined,
        )
      : undefined;
    console.error(
      reason
        ? `still waiting: ${reason}`
        : `still waiting for the run to answer — is a worker running (npm start) on task queue ${ctx.config.temporal.taskQueue}?`,
    );
  }, 10_000);
  return () => clearTimeout(timer);
}
