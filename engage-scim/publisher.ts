// Delivers the change outbox to Temporal: one signalWithStart of the user's provisioning workflow per
// user in a batch, however many rows that user has (the workflow coalesces further bursts itself).
// Rows stay pending until delivered; when Temporal is unreachable they are retried with back-off.
import type { Client } from '@temporalio/client';
import { type Kysely, sql } from 'kysely';
import type { EngageDatabase } from '../db/engage-schema';
import { provisionUserNow } from '../temporal/start-runs';

export const SOURCE = 'engage-scim';

export interface PublisherOptions {
  db: Kysely<EngageDatabase>;
  /** A ready client, or a factory called (again) whenever there is none (first use, after a failure). */
  temporalClient?: Client;
  connectionFactory?: () => Promise<Client>;
  taskQueue: string;
  /** A tenant's outbox: its id, which begins its users' workflow ids and is their EvsTenant. */
  tenantId?: string;
  /** Poll interval when not woken, ms. */
  intervalMs?: number;
  batchSize?: number;
  /** Users of a batch delivered at once: one by one, a round trip each bounds the rate of a push. */
  deliveryConcurrency?: number;
  /** Back-off of a row after a failed attempt: base × 2^(attempts−1), capped. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string) => void;
}

export interface Publisher {
  /** Publish now rather than at the next poll. */
  wake(): void;
  /** Runs one batch; resolves to the number of rows delivered. For tests and tools. */
  publishOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startPublisher(opts: PublisherOptions): Publisher {
  if (!opts.temporalClient && !opts.connectionFactory)
    throw new Error('temporalClient or connectionFactory is required');
  const { db, taskQueue } = opts;
  const intervalMs = opts.intervalMs ?? 1000;
  const batchSize = opts.batchSize ?? 100;
  const deliveryConcurrency = Math.max(1, opts.deliveryConcurrency ?? 16);
  const base = opts.baseBackoffMs ?? 1000;
  const cap = opts.maxBackoffMs ?? 60_000;
  const log = opts.log ?? ((m: string) => console.error(`[engage-scim publisher] ${m}`));

  let client: Client | undefined = opts.temporalClient;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  let lastError = '';

  async function getClient(): Promise<Client> {
    if (!client) client = await opts.connectionFactory!();
    return client;
  }

  async function publishOnce(): Promise<number> {
    return db.transaction().execute(async (trx) => {
      // SKIP LOCKED: several server processes may publish side by side without double delivery.
      const rows = await trx
        .selectFrom('engage.change_outbox')
        .select(['id', 'engage_user_id', 'attempts'])
        .where('delivered_at', 'is', null)
        .where('next_attempt_at', '<=', sql<Date>`now()`)
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;
      const byUser = new Map<number, typeof rows>();
      for (const r of rows) byUser.set(r.engage_user_id, [...(byUser.get(r.engage_user_id) ?? []), r]);

      const delivered: string[] = [];
      const failed: { rows: typeof rows; error: string }[] = [];
      let c: Client | undefined;
      let connectError: string | undefined;
      try {
        c = await getClient();
      } catch (err) {
        connectError = `cannot connect to Temporal: ${(err as Error).message}`;
      }
      const deliver = async ([userId, userRows]: [number, typeof rows]) => {
        if (!c) {
          failed.push({ rows: userRows, error: connectError! });
          return;
        }
        try {
          await provisionUserNow({ client: c, taskQueue, tenantId: opts.tenantId, source: SOURCE }, userId);
          delivered.push(...userRows.map((r) => r.id));
        } catch (err) {
          failed.push({ rows: userRows, error: (err as Error).message });
        }
      };
      const users = [...byUser];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(deliveryConcurrency, users.length) }, async () => {
          while (next < users.length) await deliver(users[next++]!);
        }),
      );
      if (delivered.length) {
        await trx
          .updateTable('engage.change_outbox')
          .set({ delivered_at: sql`now()` })
          .where('id', 'in', delivered)
          .execute();
      }
      for (const f of failed) {
        for (const r of f.rows) {
          const delay = Math.min(cap, base * 2 ** Math.min(30, r.attempts));
          await trx
            .updateTable('engage.change_outbox')
            .set({
              attempts: r.attempts + 1,
              last_error: f.error.slice(0, 1000),
              next_attempt_at: sql`now() + make_interval(secs => ${delay / 1000})`,
            })
            .where('id', '=', r.id)
            .execute();
        }
      }
      if (failed.length) {
        // A fresh connection next time: the old one may be what is broken.
        if (!opts.temporalClient) client = undefined;
        const msg = failed[0]!.error;
        if (msg !== lastError) log(`delivery failed, will retry: ${msg}`);
        lastError = msg;
      } else lastError = '';
      return delivered.length;
    });
  }

  const loop = (async () => {
    while (!stopped) {
      let full = false;
      try {
        full = (await publishOnce()) === batchSize;
      } catch (err) {
        log(`outbox read failed: ${(err as Error).message}`);
      }
      if (full || stopped) continue;
      if (woken) {
        woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, intervalMs);
        wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeUp = undefined;
      woken = false;
    }
  })();

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    publishOnce,
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
    },
  };
}
