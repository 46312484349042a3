// The record of each run (sync.runs), and the one-bulk-run-at-a-time lock: the unique index
// runs_one_active_bulk admits one initial or daily run that is running or awaiting approval.
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { RunRow } from '../engine/ports';

/** The kinds of run the lock covers (the index's predicate). */
const BULK_KINDS = ['initial', 'daily'];
/** The statuses that hold the lock (the index's predicate). */
const ACTIVE_STATUSES = ['running', 'awaiting-approval'];

const UNIQUE_VIOLATION = '23505';

export type BeginRunResult = { ok: true } | { ok: false; activeRunId: string; activeWorkflowId: string };

export class Runs {
  readonly #db: Kysely<SyncDatabase>;

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /**
   * Records a bulk run as running, taking the lock. Refused, with the holder's ids, while another bulk
   * run holds it; a repeated begin of the same run is a no-op that succeeds.
   */
  async begin(r: RunRow): Promise<BeginRunResult> {
    try {
      await this.#insert(r);
      return { ok: true };
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      const active = await this.activeBulk();
      if (!active) throw err;
      // The holder is this very run (its first begin took the lock): the same as no conflict.
      if (active.id === r.id) return { ok: true };
      return { ok: false, activeRunId: active.id, activeWorkflowId: active.workflow_id };
    }
  }

  /** Records a run that takes no lock (a dry run, a per-user run) as running; idempotent. */
  async open(r: RunRow): Promise<void> {
    if (BULK_KINDS.includes(r.kind))
      throw new Error(`a run of kind '${r.kind}' takes the bulk-run lock: begin it with beginRun`);
    await this.#insert(r);
  }

  /** The bulk run holding the lock, if any. */
  async activeBulk(): Promise<
    { id: string; workflow_id: string; kind: string; started_at: Date } | undefined
  > {
    return this.#db
      .selectFrom('sync.runs')
      .select(['id', 'workflow_id', 'kind', 'started_at'])
      .where('status', 'in', ACTIVE_STATUSES)
      .where('kind', 'in', BULK_KINDS)
      .executeTakeFirst();
  }

  /** Marks the run a full reconcile (it reads Visitor too). */
  async markFull(runId: string): Promise<void> {
    await this.#db.updateTable('sync.runs').set({ full: true }).where('id', '=', runId).execute();
  }

  /** Sets the status; counts and reason only when given, the finish time when `finished`. */
  async setStatus(
    id: string,
    status: string,
    extra: { counts?: Record<string, number>; reason?: string | null; finished?: boolean } = {},
  ): Promise<void> {
    await this.#db
      .updateTable('sync.runs')
      .set({
        status,
        ...(extra.counts ? { counts: JSON.stringify(extra.counts) } : {}),
        ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
        ...(extra.finished ? { finished_at: new Date() } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** The bulk run started last among those finished, other than this one (whatever its status). */
  async previousBulk(
    excludingRunId: string,
  ): Promise<{ id: string; status: string; reason: string | null } | undefined> {
    return this.#db
      .selectFrom('sync.runs')
      .select(['id', 'status', 'reason'])
      .where('kind', 'in', BULK_KINDS)
      .where('id', '!=', excludingRunId)
      .where('finished_at', 'is not', null)
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
  }

  /** When the last completed full reconcile started; an initial sync wrote everything, so it counts. */
  async lastFullReconcileAt(): Promise<Date | null> {
    const last = await this.#db
      .selectFrom('sync.runs')
      .select('started_at')
      .where('status', '=', 'completed')
      .where((eb) => eb.or([eb('full', '=', true), eb('kind', '=', 'initial')]))
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
    return last?.started_at ?? null;
  }

  async kindAndStart(runId: string): Promise<{ kind: string; startedAt: Date } | undefined> {
    const run = await this.#db
      .selectFrom('sync.runs')
      .select(['kind', 'started_at'])
      .where('id', '=', runId)
      .executeTakeFirst();
    return run && { kind: run.kind, startedAt: run.started_at };
  }

  async outline(runId: string): Promise<{ kind: string; dryRun: boolean; status: string } | undefined> {
    const run = await this.#db
      .selectFrom('sync.runs')
      .select(['kind', 'dry_run', 'status'])
      .where('id', '=', runId)
      .executeTakeFirst();
    return run && { kind: run.kind, dryRun: run.dry_run, status: run.status };
  }

  /** Inserts the run as running; a run already recorded is left as it is. */
  async #insert(r: RunRow): Promise<void> {
    await this.#db
      .insertInto('sync.runs')
      .values({
        id: r.id,
        kind: r.kind,
        status: 'running',
        workflow_id: r.workflowId,
        started_by: r.startedBy,
        dry_run: r.dryRun,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}
