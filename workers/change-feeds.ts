// The Engage change feed of every company, in the worker: every CHANGE_FEED_INTERVAL each company's
// feed is polled by the one worker holding its lease (state/change-feed-store.ts); its changes start
// per-user provisioning, or one bulk run (engine/change-feed.ts). Off for a company whose option says so.
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { ServiceConfig } from '../config/service';
import type { EngageDatabase } from '../db/engage-schema';
import type { SyncDatabase } from '../db/sync-schema';
import { bulkRunBase } from '../domain/change-window';
import { EngageChangeReader } from '../engage/change-reader';
import { type FeedMemories, pollChangeFeed } from '../engine/change-feed';
import { pool } from '../engine/pool';
import { PgChangeFeedStore } from '../state/change-feed-store';
import { tenantSyncDb } from '../state/tenant-state';
import { provisionUserNow, startDailyRun } from '../temporal/start-runs';

const SOURCE = 'engage-feed';
/** Per-user starts in flight at once per company (signal-with-start is one round trip each). */
const START_CONCURRENCY = 16;

export interface ChangeFeedsDeps {
  syncDb: Kysely<SyncDatabase>;
  companies(): Promise<{ tenant?: string; changeFeed: boolean }[]>;
  engageFor(tenantId: string | undefined): Promise<Kysely<EngageDatabase>>;
  client: Client;
  config: Pick<ServiceConfig, 'changeFeed'> & { temporal: { taskQueue: string } };
  /** This worker's name in the lease (unique per process). */
  holder: string;
  log: (message: string) => void;
  /** Told after each company's poll (tests, metrics). */
  onPoll?: (tenant: string | undefined, r: { users: number; bulk: string | null }) => void;
}

export interface ChangeFeeds {
  /** One round over every company now (tests; the loop calls it every interval). */
  pollAll(): Promise<void>;
  stop(): Promise<void>;
}

export function startChangeFeeds(d: ChangeFeedsDeps, o: { loop: boolean } = { loop: true }): ChangeFeeds {
  const memories = new Map<string, FeedMemories>();
  const s = d.config.changeFeed;
  const settings = {
    holder: d.holder,
    // Long enough to outlive a slow poll, short enough that another worker takes over quickly.
    leaseMs: Math.max(30_000, s.intervalMs * 10),
    overlapMs: s.overlapMs,
    bulkThreshold: s.bulkThreshold,
    pageSize: 1000,
  };
  const pollCompany = async (tenant: string | undefined) => {
    const key = tenant ?? '';
    const starter = {
      client: d.client,
      taskQueue: d.config.temporal.taskQueue,
      tenantId: tenant,
      source: SOURCE,
    };
    const store = new PgChangeFeedStore(tenantSyncDb(d.syncDb, tenant));
    const source = new EngageChangeReader(await d.engageFor(tenant));
    const r = await pollChangeFeed(
      {
        source,
        store,
        dispatch: {
          users: (ids) => pool(ids, START_CONCURRENCY, (id) => provisionUserNow(starter, id)),
          bulk: (requestedAtMs, attempt, reason) =>
            startDailyRun(starter, bulkRunBase(requestedAtMs, attempt), reason),
        },
      },
      memories.get(key),
      settings,
    );
    if (!r.held) {
      memories.delete(key);
      return;
    }
    memories.set(key, r.memories);
    if (r.users || r.bulk)
      d.log(
        `change feed${tenant ? ` [tenant ${tenant}]` : ''}: ${r.bulk ? `bulk run asked for: ${r.bulk}` : `${r.users} user(s) handed to provisioning`}`,
      );
    d.onPoll?.(tenant, { users: r.users, bulk: r.bulk });
  };
  const pollAll = async () => {
    const companies = (await d.companies()).filter((c) => c.changeFeed);
    // A few companies at a time: one slow Engage database must not hold up the others' feeds.
    await pool(companies, 4, async (c) => {
      try {
        await pollCompany(c.tenant);
      } catch (err) {
        // Its memory may be ahead of what was saved: start again from the saved watermark.
        memories.delete(c.tenant ?? '');
        d.log(
          `change feed${c.tenant ? ` [tenant ${c.tenant}]` : ''}: poll failed: ${(err as Error).message}`,
        );
      }
    });
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    running = pollAll().finally(() => {
      if (!stopped) timer = setTimeout(loop, s.intervalMs);
    });
  };
  if (o.loop && s.enabled) timer = setTimeout(loop, s.intervalMs);
  return {
    pollAll,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      // Hand the leases back, so another worker polls at once instead of after the lease.
      const companies = await d.companies().catch(() => []);
      await Promise.allSettled(
        companies.map((c) => new PgChangeFeedStore(tenantSyncDb(d.syncDb, c.tenant)).release(d.holder)),
      );
    },
  };
}
