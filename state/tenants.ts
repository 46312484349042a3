// The tenant registry (sync.tenants): the companies one deployment serves, their Engage source,
// Visitor target, options, schedule and state. Secrets go in and out only as Secret, sealed at rest
// by the SecretBox; what the registry returns for display (Tenant) says whether a secret is set and
// under which key, never its value. The engine opens a tenant's secrets with connection().
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Secret } from '../config/secret';
import { sameDatabase } from '../db/connect';
import type { SyncDatabase, TenantStateName, TenantsTable } from '../db/sync-schema';
import { type SecretBox, sealedKeyId } from './secret-box';
import {
  checkDisplayName,
  checkEngageDatabaseUrl,
  checkEngageSchema,
  checkScheduleTime,
  checkTenantId,
  checkTenantOptions,
  checkTimeZone,
  checkVisitorUrl,
  dailyTimeProblem,
  mergeTenantOptions,
  nextTenantState,
  scheduleJitterMs,
  type TenantOptionName,
  type TenantOptions,
  TenantRuleError,
  type TenantSchedule,
} from './tenant-rules';
import { dropTenantState, migrateTenantState } from './tenant-state';

type Db = Kysely<SyncDatabase>;
type Row = Selectable<TenantsTable>;

/** Not found, already there, or a transition the state does not allow: the operator's to fix. */
export class TenantError extends Error {
  override name = 'TenantError';
}

export const DEFAULT_SCHEDULE = { time: '02:00', timeZone: 'UTC', intervalMs: 86_400_000 } as const;
export const DEFAULT_OFFBOARD_GRACE_MS = 30 * 86_400_000;

export type EngageSourceInput = { kind: 'database'; url: Secret } | { kind: 'schema'; schema: string };

export interface NewTenant {
  id: string;
  displayName: string;
  engage: EngageSourceInput;
  visitor: { url: string; token: Secret };
  options?: TenantOptions;
  schedule?: Partial<Omit<TenantSchedule, 'jitterMs'>>;
}

/** Whether a secret is stored, and the key it is sealed with. */
export interface SecretStatus {
  set: boolean;
  keyId?: string;
}

/** A tenant as shown and listed: everything but the secrets' values. */
export interface Tenant {
  id: string;
  displayName: string;
  engage: { kind: 'database'; url: SecretStatus } | { kind: 'schema'; schema: string };
  visitor: { url: string; token: SecretStatus };
  options: TenantOptions;
  schedule: TenantSchedule;
  state: TenantStateName;
  stateNote: string | null;
  createdAt: Date;
  updatedAt: Date;
  offboardedAt: Date | null;
  /** When an offboarded tenant's secrets are deleted (purgeOffboarded). */
  purgeAfter: Date | null;
  secretsPurgedAt: Date | null;
}

/** What a run of this tenant connects with: its secrets opened, still wrapped (they print "[secret]"). */
export interface TenantConnection {
  tenantId: string;
  engage: { kind: 'database'; url: Secret } | { kind: 'schema'; schema: string };
  visitor: { url: string; token: Secret };
}

export interface TenantChange {
  displayName?: string;
  engage?: EngageSourceInput;
  visitorUrl?: string;
  visitorToken?: Secret;
  /** A value sets the tenant's own option; null drops it (the deployment's default again). */
  options?: { [K in TenantOptionName]?: TenantOptions[K] | null };
  schedule?: Partial<Omit<TenantSchedule, 'jitterMs'>>;
}

const context = (id: string, field: 'visitor_token' | 'engage_database_url') => `tenant:${id}:${field}`;

const status = (sealed: string | null): SecretStatus =>
  sealed ? { set: true, keyId: sealedKeyId(sealed) ?? '?' } : { set: false };

function toTenant(r: Row): Tenant {
  return {
    id: r.id,
    displayName: r.display_name,
    engage:
      r.engage_kind === 'database'
        ? { kind: 'database', url: status(r.engage_database_url_sealed) }
        : { kind: 'schema', schema: r.engage_schema ?? '' },
    visitor: { url: r.visitor_scim_url, token: status(r.visitor_token_sealed) },
    options: checkTenantOptions(r.options),
    schedule: {
      time: r.schedule_time,
      timeZone: r.schedule_time_zone,
      intervalMs: Number(r.schedule_interval_ms),
      jitterMs: r.schedule_jitter_ms,
    },
    state: r.state,
    stateNote: r.state_note,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    offboardedAt: r.offboarded_at,
    purgeAfter: r.purge_after,
    secretsPurgedAt: r.secrets_purged_at,
  };
}

function checkSchedule(id: string, s: Omit<TenantSchedule, 'jitterMs'>, now: Date): void {
  checkScheduleTime(s.time);
  checkTimeZone(s.timeZone);
  if (!Number.isSafeInteger(s.intervalMs) || s.intervalMs < 60_000)
    throw new TenantRuleError('schedule interval must be at least 1m');
  // A daily schedule follows the zone's clock (temporal/schedule.ts): refuse an hour DST skips or repeats.
  if (s.intervalMs === 86_400_000) {
    const problem = dailyTimeProblem(s.time, s.timeZone, scheduleJitterMs(id, s.intervalMs), now);
    if (problem)
      throw new TenantRuleError(
        `schedule: ${problem} (this tenant runs up to an hour after its time); choose another --time`,
      );
  }
}

export class TenantRegistry {
  readonly #db: Db;
  readonly #box: SecretBox | undefined;
  readonly #now: () => Date;

  /** Without a box, the registry can list, show, pause, resume, remove and purge, but not seal or open. */
  constructor(db: Db, o: { box?: SecretBox; now?: () => Date } = {}) {
    this.#db = db;
    this.#box = o.box;
    this.#now = o.now ?? (() => new Date());
  }

  #requireBox(): SecretBox {
    if (!this.#box)
      throw new TenantError(
        "TENANT_SECRETS_KEYS is not set: tenants' secrets cannot be sealed or opened (see .env.example)",
      );
    return this.#box;
  }

  async add(t: NewTenant): Promise<Tenant> {
    const box = this.#requireBox();
    const id = checkTenantId(t.id);
    const schedule = { ...DEFAULT_SCHEDULE, ...t.schedule };
    const now = this.#now();
    checkSchedule(id, schedule, now);
    const row = await this.#db.transaction().execute(async (trx) => {
      await this.#refuseSharedSource(trx, id, t.engage);
      return trx
        .insertInto('sync.tenants')
        .values({
          id,
          display_name: checkDisplayName(t.displayName),
          engage_kind: t.engage.kind,
          engage_database_url_sealed:
            t.engage.kind === 'database'
              ? box.seal(this.#checkedUrl(t.engage.url), context(id, 'engage_database_url'))
              : null,
          engage_schema: t.engage.kind === 'schema' ? checkEngageSchema(t.engage.schema) : null,
          visitor_scim_url: checkVisitorUrl(t.visitor.url),
          visitor_token_sealed: box.seal(this.#checkedToken(t.visitor.token), context(id, 'visitor_token')),
          options: JSON.stringify(checkTenantOptions(t.options ?? {})),
          schedule_time: schedule.time,
          schedule_time_zone: schedule.timeZone,
          schedule_interval_ms: schedule.intervalMs,
          schedule_jitter_ms: scheduleJitterMs(id, schedule.intervalMs),
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst();
    });
    if (!row) throw new TenantError(`tenant ${id} exists already (update it, or choose another id)`);
    // Its state schema, so its runs and every --tenant command find their tables from the start.
    await migrateTenantState(this.#db, id);
    return toTenant(row);
  }

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.#db.selectFrom('sync.tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTenant(row) : undefined;
  }

  async list(o: { states?: TenantStateName[] } = {}): Promise<Tenant[]> {
    let q = this.#db.selectFrom('sync.tenants').selectAll().orderBy('id');
    if (o.states?.length) q = q.where('state', 'in', o.states);
    return (await q.execute()).map((r) => toTenant(r));
  }

  async update(id: string, change: TenantChange): Promise<Tenant> {
    return this.#change(id, 'update', async (row, trx) => {
      const set: Partial<Record<keyof TenantsTable, unknown>> = {};
      if (change.engage) await this.#refuseSharedSource(trx, id, change.engage);
      if (change.displayName !== undefined) set.display_name = checkDisplayName(change.displayName);
      if (change.engage || change.visitorToken) this.#requireBox();
      if (change.engage?.kind === 'database') {
        set.engage_kind = 'database';
        set.engage_schema = null;
        set.engage_database_url_sealed = this.#box!.seal(
          this.#checkedUrl(change.engage.url),
          context(id, 'engage_database_url'),
        );
      } else if (change.engage?.kind === 'schema') {
        set.engage_kind = 'schema';
        set.engage_schema = checkEngageSchema(change.engage.schema);
        set.engage_database_url_sealed = null;
      }
      if (change.visitorUrl !== undefined) set.visitor_scim_url = checkVisitorUrl(change.visitorUrl);
      if (change.visitorToken)
        set.visitor_token_sealed = this.#box!.seal(
          this.#checkedToken(change.visitorToken),
          context(id, 'visitor_token'),
        );
      if (change.options)
        set.options = JSON.stringify(mergeTenantOptions(checkTenantOptions(row.options), change.options));
      if (change.schedule) {
        const s = {
          time: row.schedule_time,
          timeZone: row.schedule_time_zone,
          intervalMs: Number(row.schedule_interval_ms),
          ...change.schedule,
        };
        checkSchedule(id, s, this.#now());
        set.schedule_time = s.time;
        set.schedule_time_zone = s.timeZone;
        set.schedule_interval_ms = s.intervalMs;
        set.schedule_jitter_ms = scheduleJitterMs(id, s.intervalMs);
      }
      return set;
    });
  }

  /** Stops the tenant's runs and schedule (once they are wired to the registry) until resume. */
  async pause(id: string, note?: string): Promise<Tenant> {
    return this.#change(id, 'pause', async () => ({ state_note: note ?? null }));
  }

  /** Starts an onboarding tenant, restarts a paused one, or undoes remove within the grace period. */
  async resume(id: string): Promise<Tenant> {
    return this.#change(id, 'resume', async (row, trx) => {
      // Back from offboarding: its source may have gone to another tenant meanwhile.
      if (row.state === 'offboarded' && !row.secrets_purged_at)
        await this.#refuseSharedSource(trx, id, this.#sourceOf(row));
      return { state_note: null, offboarded_at: null, purge_after: null };
    });
  }

  /**
   * Offboards: the tenant stops running at once; its secrets stay for the grace period (a mistaken
   * remove can be resumed) and purgeOffboarded deletes them after it. Its Visitor is never touched.
   */
  async remove(id: string, o: { graceMs?: number; note?: string } = {}): Promise<Tenant> {
    const grace = o.graceMs ?? DEFAULT_OFFBOARD_GRACE_MS;
    if (!Number.isSafeInteger(grace) || grace < 0) throw new TenantRuleError('grace must be 0 or more');
    const now = this.#now();
    return this.#change(id, 'remove', async () => ({
      state_note: o.note ?? null,
      offboarded_at: now,
      purge_after: new Date(now.getTime() + grace),
    }));
  }

  /**
   * Deletes the secrets of tenants offboarded longer than their grace period; returns their ids.
   * Idempotent and safe from any number of workers at once. The row stays (a tombstone), so the id is
   * not handed to another company. Its sync state and provisioning log (its schema) go too.
   */
  async purgeOffboarded(now: Date = this.#now()): Promise<string[]> {
    // One transaction: the secrets and the state schema go together, or neither (DROP SCHEMA is
    // transactional), so a failure leaves the tenant listed for the next purge.
    return this.#db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable('sync.tenants')
        .set({
          engage_database_url_sealed: null,
          visitor_token_sealed: null,
          secrets_purged_at: now,
          updated_at: now,
        })
        .where('state', '=', 'offboarded')
        .where('secrets_purged_at', 'is', null)
        .where('purge_after', '<=', now)
        .returning('id')
        .execute();
      for (const r of rows) await dropTenantState(trx, r.id);
      return rows.map((r) => r.id).sort();
    });
  }

  /** The tenant's Engage source and Visitor target with their secrets opened (still wrapped). */
  async connection(id: string): Promise<TenantConnection> {
    const box = this.#requireBox();
    const row = await this.#db.selectFrom('sync.tenants').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new TenantError(`no tenant ${id}`);
    if (row.secrets_purged_at || !row.visitor_token_sealed)
      throw new TenantError(`tenant ${id} is offboarded and its secrets are purged`);
    return {
      tenantId: id,
      engage:
        row.engage_kind === 'database'
          ? {
              kind: 'database',
              url: box.open(row.engage_database_url_sealed!, context(id, 'engage_database_url')),
            }
          : { kind: 'schema', schema: row.engage_schema! },
      visitor: {
        url: row.visitor_scim_url,
        token: box.open(row.visitor_token_sealed, context(id, 'visitor_token')),
      },
    };
  }

  /**
   * Re-seals every stored secret under the current key (the first of TENANT_SECRETS_KEYS), in one
   * transaction; then the old key can leave the list. Secrets that do not open fail it all, naming the
   * tenant, and nothing changes.
   */
  async rotateSecrets(): Promise<{ keyId: string; resealed: number; tenants: number }> {
    const box = this.#requireBox();
    return this.#db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('sync.tenants')
        .select(['id', 'engage_database_url_sealed', 'visitor_token_sealed'])
        .where((eb) =>
          eb.or([
            eb('engage_database_url_sealed', 'is not', null),
            eb('visitor_token_sealed', 'is not', null),
          ]),
        )
        .orderBy('id')
        .forUpdate()
        .execute();
      let resealed = 0;
      for (const r of rows) {
        const url = r.engage_database_url_sealed
          ? box.reseal(r.engage_database_url_sealed, context(r.id, 'engage_database_url'))
          : undefined;
        const token = r.visitor_token_sealed
          ? box.reseal(r.visitor_token_sealed, context(r.id, 'visitor_token'))
          : undefined;
        if (!url && !token) continue;
        resealed += (url ? 1 : 0) + (token ? 1 : 0);
        await trx
          .updateTable('sync.tenants')
          .set({
            ...(url ? { engage_database_url_sealed: url } : {}),
            ...(token ? { visitor_token_sealed: token } : {}),
          })
          .where('id', '=', r.id)
          .execute();
      }
      return { keyId: box.currentKeyId, resealed, tenants: rows.length };
    });
  }

  /** Locks the row, checks the action against its state, writes what `build` returns and the new state. */
  async #change(
    id: string,
    action: 'update' | 'pause' | 'resume' | 'remove',
    build: (row: Row, trx: Kysely<SyncDatabase>) => Promise<Partial<Record<keyof TenantsTable, unknown>>>,
  ): Promise<Tenant> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('sync.tenants')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new TenantError(`no tenant ${id} (npm run tenant -- list)`);
      const state = nextTenantState(row.state, action, { id, secretsPurged: row.secrets_purged_at !== null });
      const set = { ...(await build(row, trx)), state, updated_at: this.#now() };
      const updated = await trx
        .updateTable('sync.tenants')
        .set(set as never)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTenant(updated);
    });
  }

  /**
   * Refuses an Engage source another tenant (not offboarded) reads already: one company's people
   * would be provisioned into two Visitor companies. Databases compare by host, port and name (not the
   * user); a transaction-scoped lock keeps two adds from both passing.
   */
  async #refuseSharedSource(trx: Kysely<SyncDatabase>, id: string, source: EngageSourceInput): Promise<void> {
    // A bad value is refused for what it is, before it is compared with anything.
    if (source.kind === 'schema') checkEngageSchema(source.schema);
    else this.#checkedUrl(source.url);
    await sql`select pg_advisory_xact_lock(hashtext('engage-visitor-sync:tenant-engage-sources'))`.execute(
      trx,
    );
    const others = await trx
      .selectFrom('sync.tenants')
      .select(['id', 'engage_kind', 'engage_schema', 'engage_database_url_sealed'])
      .where('id', '<>', id)
      .where('state', '<>', 'offboarded')
      .where('engage_kind', '=', source.kind)
      .execute();
    for (const o of others) {
      let same: boolean;
      if (source.kind === 'schema') same = o.engage_schema === source.schema;
      else {
        if (!o.engage_database_url_sealed) continue;
        let theirs: string;
        try {
          theirs = this.#requireBox()
            .open(o.engage_database_url_sealed, context(o.id, 'engage_database_url'))
            .reveal();
        } catch (err) {
          throw new TenantError(
            `tenant ${o.id}'s Engage source cannot be compared with this one: ${(err as Error).message}`,
          );
        }
        same = sameDatabase(theirs, source.url.reveal());
      }
      if (same)
        throw new TenantError(
          `tenant ${o.id} reads this Engage ${source.kind === 'schema' ? `schema ${source.schema}` : 'database'} already: two tenants on one Engage source would provision one company's people into two Visitor companies`,
        );
    }
  }

  #sourceOf(row: Row): EngageSourceInput {
    return row.engage_kind === 'database'
      ? {
          kind: 'database',
          url: this.#requireBox().open(
            row.engage_database_url_sealed!,
            context(row.id, 'engage_database_url'),
          ),
        }
      : { kind: 'schema', schema: row.engage_schema! };
  }

  #checkedUrl(url: Secret): Secret {
    checkEngageDatabaseUrl(url.reveal());
    return url;
  }

  #checkedToken(token: Secret): Secret {
    const t = token.reveal();
    if (t.length === 0 || t.length > 4096 || /\s/.test(t))
      throw new TenantRuleError('the Visitor token must be 1-4096 characters without spaces or line breaks');
    return token;
  }
}
