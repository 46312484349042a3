// In-memory fakes of the engine's ports (engine/ports.ts), for unit tests without Temporal, PostgreSQL
// or HTTP. They keep just enough state to tell what the engine did; the real adapters are tested
// against PostgreSQL (test/state, test/engage) and the emulator (test/scim, test/integration).

import type { SyncSettings } from '../../config/service';
import type { InvitationStatus } from '../../db/sync-schema';
import type { EngageLocation, EngageUser, SyncUserState } from '../../domain/types';
import type { IdentityConflictGroup, InvalidRow, UserLookup } from '../../engage/reader';
import { createEngine, type Engine } from '../../engine/engine';
import type {
  Clock,
  EngageSource,
  FailureRow,
  LocationLink,
  LocationMatchChoice,
  LogEntry,
  NewPendingDeletion,
  PendingDeletion,
  PlanDifference,
  Progress,
  RunRecord,
  RunRow,
  SaveUserExtra,
  StoredUser,
  SyncStore,
  UserLeaseTake,
  VisitorTarget,
} from '../../engine/ports';
import { errorForStatus, VisitorScimError } from '../../scim/errors';
import {
  type LocationRequest,
  type PatchOperation,
  type ScimLocation,
  type ScimUser,
  URN_VISITOR_USER,
  type UserCreateRequest,
} from '../../scim/wire';
import { engageUser as domainEngageUser } from '../domain/fixtures';
import { FakeDeletionGuard } from './fake-deletion-guard';

// ------------------------------------------------------------------------------------------ clock

export class FakeClock implements Clock {
  constructor(public ms = Date.parse('2026-01-05T09:00:00Z')) {}
  now() {
    return this.ms;
  }
  advance(ms: number) {
    this.ms += ms;
  }
}

export class RecordingProgress implements Progress {
  readonly beats: unknown[] = [];
  private readonly controller = new AbortController();
  get signal() {
    return this.controller.signal;
  }
  beat(details: unknown) {
    this.beats.push(details);
  }
  abort() {
    this.controller.abort();
  }
}

// ------------------------------------------------------------------------------------------ Engage

/** Engage user `id` (user<id>@example.com, Given<id> Family<id>, no phone, title or language) on the domain baseline. */
export function engageUser(id: number, overrides: Partial<EngageUser> = {}): EngageUser {
  const email = `user${id}@example.com`;
  return domainEngageUser({
    id,
    username: email,
    email,
    givenName: `Given${id}`,
    familyName: `Family${id}`,
    mobilePhone: null,
    jobTitle: null,
    preferredLanguage: null,
    sourceDigest: `digest-${id}-v1`,
    ...overrides,
  });
}

export function engageLocation(id: number, overrides: Partial<EngageLocation> = {}): EngageLocation {
  return {
    id,
    name: `Office ${id}`,
    address: `${id} Main Street`,
    city: 'Paris',
    postalCode: null,
    country: 'FR',
    timeZone: 'Europe/Paris',
    active: true,
    deletedAt: null,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    ...overrides,
  };
}

export class FakeEngage implements EngageSource {
  users = new Map<number, EngageUser>();
  /** Rows the reader could not map: reported per user. */
  invalid = new Map<number, string>();
  locations: EngageLocation[] = [];
  invalidLocations: InvalidRow[] = [];
  groups: IdentityConflictGroup[] = [];
  calls: string[] = [];

  /**
   * A malformed row as the reader reports it. Its active and deleted_at columns still read: taken
   * from the user added under that id, if any (active otherwise).
   */
  invalidRow(id: number): InvalidRow {
    const u = this.users.get(id);
    return { id, reason: this.invalid.get(id)!, activeInEngage: u ? u.active && u.deletedAt === null : true };
  }

  add(...users: EngageUser[]) {
    for (const u of users) this.users.set(u.id, u);
    return this;
  }

  private sorted(includeDeleted: boolean) {
    return [...this.users.values()]
      .filter((u) => includeDeleted || u.deletedAt === null)
      .sort((a, b) => a.id - b.id);
  }

  async usersPage(o: { afterId: number; upToId?: number | null; limit: number; includeDeleted?: boolean }) {
    this.calls.push('usersPage');
    const inRange = (id: number) => id > o.afterId && (o.upToId == null || id <= o.upToId);
    const users = this.sorted(o.includeDeleted ?? false).filter(
      (u) => inRange(u.id) && !this.invalid.has(u.id),
    );
    const page = users.slice(0, o.limit);
    const more = users.length > o.limit;
    // Like the reader, a page reports the invalid rows among its own ids only (not again on every page).
    const last = more ? page.at(-1)!.id : Number.POSITIVE_INFINITY;
    const invalid = [...this.invalid]
      .filter(([id]) => inRange(id) && id <= last)
      .map(([id]) => this.invalidRow(id));
    return { users: page, invalid, nextAfterId: more ? page.at(-1)!.id : null };
  }

  async userDigests(o: { afterId: number; upToId?: number | null }) {
    this.calls.push('userDigests');
    const out = new Map<number, string>();
    for (const u of this.sorted(true))
      if (u.id > o.afterId && (o.upToId == null || u.id <= o.upToId)) out.set(u.id, u.sourceDigest ?? '');
    return out;
  }

  async usersByIds(ids: readonly number[]) {
    this.calls.push('usersByIds');
    const users = ids
      .map((id) => this.users.get(id))
      .filter((u): u is EngageUser => !!u && !this.invalid.has(u.id));
    const invalid = ids.filter((id) => this.invalid.has(id)).map((id) => this.invalidRow(id));
    return { users, invalid };
  }

  async userById(id: number): Promise<UserLookup> {
    this.calls.push('userById');
    if (this.invalid.has(id)) return { status: 'invalid', invalid: this.invalidRow(id) };
    const u = this.users.get(id);
    return u ? { status: 'found', user: u } : { status: 'missing' };
  }

  async allActiveLocations() {
    return {
      locations: this.locations.filter((l) => l.active && !l.deletedAt),
      invalid: this.invalidLocations,
    };
  }

  async countUsers({ activeOnly }: { activeOnly: boolean }) {
    return this.sorted(false).filter((u) => !activeOnly || u.active).length;
  }

  async identityConflicts(ids?: readonly number[]) {
    this.calls.push(`identityConflicts${ids ? `(${ids.join(',')})` : ''}`);
    if (!ids) return this.groups;
    return this.groups.filter((g) => g.userIds.some((id) => ids.includes(id)));
  }

  async pageBoundaries(size: number) {
    return this.sorted(true)
      .map((u) => u.id)
      .filter((_, i) => (i + 1) % size === 0);
  }
}

// ------------------------------------------------------------------------------------------ Visitor

/** Builds the error the SCIM client raises for an HTTP status. */
export const visitorError = (status: number, scimType?: string, detail?: string): VisitorScimError =>
  errorForStatus({ method: 'PATCH', route: '/Users/{id}', status, scimType, detail });

type Method = keyof VisitorTarget;

export class FakeVisitor implements VisitorTarget {
  users = new Map<string, ScimUser>();
  locations: ScimLocation[] = [];
  invitationsSent: string[] = [];
  calls: { method: Method; id?: string; body?: unknown }[] = [];
  private faults: { method: Method; error: Error; times: number }[] = [];
  private nextId = 1;

  constructor(defaultLocationId = 'loc-default') {
    this.locations.push(location(defaultLocationId, { isDefault: true }));
  }

  /** The next `times` calls of `method` fail with `error`. */
  failNext(method: Method, error: Error, times = 1) {
    this.faults.push({ method, error, times });
    return this;
  }

  private call(method: Method, id?: string, body?: unknown) {
    this.calls.push({ method, ...(id ? { id } : {}), ...(body ? { body } : {}) });
    const fault = this.faults.find((f) => f.method === method && f.times > 0);
    if (fault) {
      fault.times--;
      throw fault.error;
    }
  }

  count(method: Method) {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** A Visitor user made by hand (not by the sync). */
  seedUser(userName: string, overrides: Partial<ScimUser> = {}): ScimUser {
    const u = scimUser(`v-seed-${this.nextId++}`, userName, overrides);
    this.users.set(u.id, u);
    return u;
  }

  /** The options of every createUser call, in order. */
  createOptions: { sendInvitation?: boolean; retried?: boolean }[] = [];

  async createUser(body: UserCreateRequest, options: { sendInvitation?: boolean; retried?: boolean } = {}) {
    this.createOptions.push(options);
    this.call('createUser', undefined, body);
    // Like the client: a create that meets our own user (same externalId = Engage id, e.g. from an
    // attempt whose answer was lost) adopts it, before a user with the same userName.
    const ours =
      body.externalId === undefined
        ? undefined
        : [...this.users.values()].find((u) => u.externalId === body.externalId);
    if (ours) return { user: ours, adopted: true as const };
    const existing = [...this.users.values()].find(
      (u) => u.userName.toLowerCase() === body.userName.toLowerCase(),
    );
    if (existing) return { user: existing, adopted: true as const };
    // Visitor keeps what it was sent (name, e-mails, phones, title…): a full run reads it back.
    const { schemas: _schemas, ...fields } = body;
    const user = scimUser(`v-${this.nextId++}`, body.userName, {
      ...fields,
      [URN_VISITOR_USER]: {
        ...body[URN_VISITOR_USER],
        ...(options.sendInvitation ? { invitation: { status: 'sent' } } : {}),
      },
    } as Partial<ScimUser>);
    if (options.sendInvitation) this.invitationsSent.push(user.id);
    this.users.set(user.id, user);
    return { user, adopted: false as const };
  }

  async *listUsers(options: { pageSize?: number } = {}) {
    this.call('listUsers');
    const all = [...this.users.values()];
    const size = options.pageSize ?? 100;
    for (let i = 0; i < all.length; i += size)
      yield { resources: all.slice(i, i + size), startIndex: i + 1, totalResults: all.length };
  }

  async findUserByExternalId(externalId: string) {
    this.call('findUserByExternalId', undefined, { externalId });
    return [...this.users.values()].find((u) => u.externalId === externalId) ?? null;
  }

  async findUserByUserName(userName: string) {
    this.call('findUserByUserName', undefined, { userName });
    return [...this.users.values()].find((u) => u.userName.toLowerCase() === userName.toLowerCase()) ?? null;
  }

  async getUser(id: string) {
    this.call('getUser', id);
    return this.users.get(id) ?? null;
  }

  async patchUser(id: string, operations: PatchOperation[]) {
    this.call('patchUser', id, operations);
    const u = this.users.get(id);
    if (!u) throw errorForStatus({ method: 'PATCH', route: '/Users/{id}', status: 404 });
    for (const op of operations)
      if (op.path === 'active' && typeof op.value === 'boolean') u.active = op.value;
      else if (op.path === 'userName' && typeof op.value === 'string') u.userName = op.value;
    return u;
  }

  async deleteUser(id: string) {
    this.call('deleteUser', id);
    return this.users.delete(id);
  }

  async sendInvitation(id: string) {
    this.call('sendInvitation', id);
    const u = this.users.get(id);
    if (!u) throw errorForStatus({ method: 'POST', route: '/Users/{id}/invitation', status: 404 });
    const alreadySent = this.invitationsSent.includes(id);
    if (!alreadySent) this.invitationsSent.push(id);
    return {
      userId: id,
      userName: u.userName,
      status: 'sent' as const,
      sentAt: '2026-01-05T09:00:00Z',
      alreadySent,
    };
  }

  async listLocations() {
    this.call('listLocations');
    return this.locations;
  }

  async createLocation(body: LocationRequest) {
    this.call('createLocation', undefined, body);
    const existing = this.locations.find((l) => l.externalId === body.externalId);
    if (existing) return { location: existing, adopted: true };
    const l = location(`loc-${this.nextId++}`, { name: body.name, externalId: body.externalId });
    this.locations.push(l);
    return { location: l, adopted: false };
  }

  async patchLocation(id: string, operations: PatchOperation[]) {
    this.call('patchLocation', id, operations);
    const i = this.locations.findIndex((l) => l.id === id);
    if (i < 0) throw errorForStatus({ method: 'PATCH', route: '/Locations/{id}', status: 404 });
    // The attribute paths the sync writes: top-level ones and address.<part>.
    const next = { ...this.locations[i]!, address: { ...this.locations[i]!.address } } as Record<
      string,
      unknown
    > & {
      address: Record<string, unknown>;
    };
    for (const op of operations) {
      const [top, sub] = String(op.path).split('.') as [string, string | undefined];
      const into = sub ? next.address : next;
      const key = sub ?? top;
      if (op.op === 'remove') delete into[key];
      else into[key] = op.value;
    }
    this.locations[i] = next as unknown as ScimLocation;
    return this.locations[i]!;
  }
}

function location(id: string, o: Partial<ScimLocation> = {}): ScimLocation {
  return {
    schemas: ['urn:ietf:params:scim:schemas:eptura:visitor:2.0:Location'],
    id,
    name: o.name ?? id,
    isDefault: false,
    ...o,
  } as ScimLocation;
}

export function scimUser(id: string, userName: string, o: Partial<ScimUser> = {}): ScimUser {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id,
    userName,
    name: { givenName: 'G', familyName: 'F' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    meta: { resourceType: 'User', created: '', lastModified: '', version: 'W/"1"', location: '' },
    ...o,
  } as ScimUser;
}

// ------------------------------------------------------------------------------------------ state

interface FakeUserRow extends StoredUser {
  createdByRun: string | null;
  invitationRunId: string | null;
  invitationDueAt: Date | null;
  invitationSentAt: Date | null;
}

export class FakeStore implements SyncStore {
  users = new Map<number, FakeUserRow>();
  failures = new Map<
    number,
    FailureRow & { codes: string[]; lastRunId: string; detail: Record<string, unknown> }
  >();
  deletions: (PendingDeletion & { status: string })[] = [];
  locations = new Map<number, LocationLink>();
  /** Operator location match decisions (engine/reconcile-locations.ts). */
  matches = new Map<number, LocationMatchChoice>();
  runs = new Map<
    string,
    RunRow & {
      status: string;
      full: boolean;
      reason: string | null;
      counts?: Record<string, number>;
      startedAt: Date;
      finishedAt: Date | null;
    }
  >();
  logs: LogEntry[] = [];
  stamps: { engageUserId: number; planInput: string }[] = [];
  /** Users each finished page's range held, by run and lower bound (0 = open). */
  pages = new Map<string, number>();
  leases = new Map<number, { holder: string; expiresAt: number }>();
  /** Versions of the state rows: every save makes a new one, like PostgreSQL's xmin. */
  private nextVersion = 1;
  private faults = new Map<string, Error>();

  constructor(private readonly clock: Clock = new FakeClock()) {}

  /** The next call of `method` fails with `error`. */
  failNext(method: keyof SyncStore, error: Error) {
    this.faults.set(method, error);
    return this;
  }
  private check(method: keyof SyncStore) {
    const e = this.faults.get(method);
    if (e) {
      this.faults.delete(method);
      throw e;
    }
  }

  seedUser(state: SyncUserState, extra: Partial<FakeUserRow> = {}) {
    this.users.set(state.engageUserId, {
      ...state,
      invitationStatus: 'none',
      planInput: null,
      createdByRun: null,
      invitationRunId: null,
      invitationDueAt: null,
      invitationSentAt: null,
      version: String(this.nextVersion++),
      ...extra,
    });
  }

  private stored(r: FakeUserRow): StoredUser {
    const { createdByRun: _c, invitationRunId: _r, invitationDueAt: _d, invitationSentAt: _s, ...s } = r;
    return s;
  }

  async usersInRange(afterId: number | null, upToId: number | null) {
    const out = new Map<number, StoredUser>();
    for (const [id, r] of [...this.users].sort(([a], [b]) => a - b))
      if ((afterId === null || id > afterId) && (upToId === null || id <= upToId))
        out.set(id, this.stored(r));
    return out;
  }
  async usersByIds(ids: readonly number[]) {
    const out = new Map<number, StoredUser>();
    for (const id of ids) {
      const r = this.users.get(id);
      if (r) out.set(id, this.stored(r));
    }
    return out;
  }
  async planInputsInRange(afterId: number | null, upToId: number | null) {
    const out = new Map<number, string | null>();
    for (const [id, r] of this.users)
      if ((afterId === null || id > afterId) && (upToId === null || id <= upToId)) out.set(id, r.planInput);
    return out;
  }
  async stampPlanInputs(stamps: readonly { state: SyncUserState; planInput: string }[]) {
    this.check('stampPlanInputs');
    for (const s of stamps) {
      const r = this.users.get(s.state.engageUserId);
      if (r && r.fingerprint === s.state.fingerprint) {
        r.planInput = s.planInput;
        this.stamps.push({ engageUserId: s.state.engageUserId, planInput: s.planInput });
      }
    }
  }
  async engageIdOfVisitorUser(visitorUserId: string) {
    for (const r of this.users.values()) if (r.visitorUserId === visitorUserId) return r.engageUserId;
    return null;
  }
  async saveUser(state: SyncUserState, _runId: string, extra: SaveUserExtra = {}) {
    this.check('saveUser');
    const prev = this.users.get(state.engageUserId);
    this.users.set(state.engageUserId, {
      ...state,
      planInput: extra.planInput ?? null,
      invitationStatus: extra.invitation?.status ?? prev?.invitationStatus ?? 'none',
      invitationRunId: extra.invitation ? (extra.invitation.runId ?? null) : (prev?.invitationRunId ?? null),
      invitationDueAt: extra.invitation ? (extra.invitation.dueAt ?? null) : (prev?.invitationDueAt ?? null),
      invitationSentAt: extra.invitation
        ? (extra.invitation.sentAt ?? null)
        : (prev?.invitationSentAt ?? null),
      createdByRun: extra.createdByRun ?? prev?.createdByRun ?? null,
      version: String(this.nextVersion++),
    });
    // Committed with the state it describes, as PgSyncStore does.
    if (extra.log) this.logs.push(extra.log);
  }
  async countLinkedUsers() {
    return [...this.users.values()].filter((u) => u.visitorUserId !== null && !u.deprovisioned).length;
  }

  async failuresByIds(ids: readonly number[]) {
    const out = new Map<number, FailureRow>();
    for (const id of ids) {
      const f = this.failures.get(id);
      if (f) out.set(id, f);
    }
    return out;
  }
  async recordFailure(engageUserId: number, runId: string, codes: string[], detail: Record<string, unknown>) {
    const prev = this.failures.get(engageUserId);
    const now = new Date(this.clock.now());
    const count = prev ? prev.failureCount + (prev.lastRunId === runId ? 0 : 1) : 1;
    this.failures.set(engageUserId, {
      engageUserId,
      failureCount: count,
      lastFailedAt: now,
      nextAttemptAt: now,
      codes,
      lastRunId: runId,
      detail,
    });
  }
  async clearFailure(engageUserId: number) {
    this.failures.delete(engageUserId);
  }
  async retryConflictsNow() {
    let n = 0;
    const now = new Date(this.clock.now());
    for (const f of this.failures.values())
      if (f.codes.includes('visitor_conflict') && f.nextAttemptAt > now) {
        f.nextAttemptAt = now;
        n++;
      }
    return n;
  }

  async addPendingDeletion(d: NewPendingDeletion) {
    const settled = this.deletions.find(
      (x) => x.run_id === d.runId && x.engage_user_id === d.engageUserId && x.status !== 'pending',
    );
    if (settled)
      Object.assign(settled, {
        status: 'pending',
        visitor_user_id: d.visitorUserId,
        mode: d.mode,
        reason: d.reason,
      });
    else this.seedDeletion(d);
  }
  /** A pending deletion, as addPendingDeletion records it (once per run and user). */
  seedDeletion(d: NewPendingDeletion) {
    if (this.deletions.some((x) => x.run_id === d.runId && x.engage_user_id === d.engageUserId)) return;
    this.deletions.push({
      run_id: d.runId,
      engage_user_id: d.engageUserId,
      visitor_user_id: d.visitorUserId,
      mode: d.mode,
      reason: d.reason,
      status: 'pending',
    });
  }
  private pending(runId: string) {
    return this.deletions
      .filter((d) => d.run_id === runId && d.status === 'pending')
      .sort((a, b) => a.engage_user_id - b.engage_user_id);
  }
  async pendingDeletions(runId: string, limit: number) {
    return this.pending(runId).slice(0, limit);
  }
  async countPendingDeletions(runId: string) {
    return this.pending(runId).length;
  }
  async markDeletion(runId: string, engageUserId: number, status: 'applied' | 'rejected' | 'stale') {
    for (const d of this.deletions)
      if (d.run_id === runId && d.engage_user_id === engageUserId) d.status = status;
  }
  async rejectAllDeletions(runId: string) {
    const p = this.pending(runId);
    for (const d of p) d.status = 'rejected';
    return p.length;
  }

  private invitationRows(runId: string) {
    return [...this.users.values()]
      .filter((u) => u.invitationStatus === 'pending' && u.invitationRunId === runId)
      .sort((a, b) => a.engageUserId - b.engageUserId);
  }
  async pendingInvitations(runId: string, limit: number) {
    return this.invitationRows(runId)
      .slice(0, limit)
      .map((u) => ({
        engage_user_id: u.engageUserId,
        visitor_user_id: u.visitorUserId,
        deprovisioned: u.deprovisioned,
      }));
  }
  async countPendingInvitations(runId: string) {
    return this.invitationRows(runId).length;
  }
  async setInvitation(engageUserId: number, status: InvitationStatus, sentAt: Date | null = null) {
    const u = this.users.get(engageUserId);
    if (!u) return;
    u.invitationStatus = status;
    if (sentAt) u.invitationSentAt = sentAt;
  }
  async invitationHolders(excludingRunId: string) {
    const pending = new Map<string, number>();
    for (const u of this.users.values())
      if (u.invitationStatus === 'pending' && u.invitationRunId && u.invitationRunId !== excludingRunId)
        pending.set(u.invitationRunId, (pending.get(u.invitationRunId) ?? 0) + 1);
    return [...pending]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([runId, n]) => {
        const run = this.runs.get(runId);
        return { runId, workflowId: run?.workflowId ?? null, status: run?.status ?? null, pending: n };
      });
  }
  async moveInvitations(fromRunId: string, toRunId: string) {
    const rows = this.invitationRows(fromRunId);
    for (const u of rows) u.invitationRunId = toRunId;
    return rows.length;
  }
  async cancelInvitations(runId: string) {
    const rows = this.invitationRows(runId);
    for (const u of rows) u.invitationStatus = 'cancelled';
    return rows.length;
  }

  async locationMap() {
    return new Map(this.locations);
  }
  async locationMatches() {
    return new Map(this.matches);
  }
  async saveLocation(
    engageId: number,
    visitorId: string,
    fingerprint: string,
    status: 'linked' | 'orphaned',
  ) {
    this.check('saveLocation');
    this.locations.set(engageId, { visitorId, fingerprint, status });
  }

  private activeBulk() {
    return [...this.runs.values()].find(
      (r) =>
        (r.status === 'running' || r.status === 'awaiting-approval') &&
        (r.kind === 'initial' || r.kind === 'daily'),
    );
  }
  async beginRun(r: RunRow) {
    if (this.runs.has(r.id)) return { ok: true as const };
    const active = this.activeBulk();
    if (active) return { ok: false as const, activeRunId: active.id, activeWorkflowId: active.workflowId };
    await this.openRun(r);
    return { ok: true as const };
  }
  async openRun(r: RunRow) {
    if (this.runs.has(r.id)) return;
    this.runs.set(r.id, {
      ...r,
      status: 'running',
      full: false,
      reason: null,
      startedAt: new Date(this.clock.now()),
      finishedAt: null,
    });
  }
  async activeBulkRun() {
    const a = this.activeBulk();
    return a ? { id: a.id, workflow_id: a.workflowId } : undefined;
  }
  async markRunFull(runId: string) {
    const r = this.runs.get(runId);
    if (r) r.full = true;
  }
  async setRunStatus(
    id: string,
    status: string,
    extra: { counts?: Record<string, number>; reason?: string | null; finished?: boolean } = {},
  ) {
    const r = this.runs.get(id);
    if (!r) return;
    r.status = status;
    if (extra.counts) r.counts = extra.counts;
    if (extra.reason !== undefined) r.reason = extra.reason;
    if (extra.finished) r.finishedAt = new Date(this.clock.now());
  }
  async previousBulkRun(excludingRunId: string) {
    const prev = [...this.runs.values()]
      .filter((r) => (r.kind === 'initial' || r.kind === 'daily') && r.id !== excludingRunId && r.finishedAt)
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0];
    return prev ? { id: prev.id, status: prev.status, reason: prev.reason } : undefined;
  }
  async lastFullReconcileAt() {
    const last = [...this.runs.values()]
      .filter((r) => r.status === 'completed' && (r.full || r.kind === 'initial'))
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0];
    return last?.startedAt ?? null;
  }
  async runOutline(runId: string) {
    const r = this.runs.get(runId);
    return r ? { kind: r.kind, dryRun: r.dryRun, status: r.status } : undefined;
  }
  /** What planDifferences answers (the SQL is tested against PostgreSQL in test/state/plan-review.test.ts). */
  planDiff: { total: number; first: PlanDifference[] } = { total: 0, first: [] };
  async planDifferences() {
    return this.planDiff;
  }

  async runKindAndStart(runId: string) {
    const r = this.runs.get(runId);
    return r ? { kind: r.kind, startedAt: r.startedAt } : undefined;
  }

  async log(entries: readonly LogEntry[]) {
    this.check('log');
    this.logs.push(...entries);
  }

  async recordPage(runId: string, afterId: number | null, processed: number) {
    this.check('recordPage');
    this.pages.set(`${runId}|${afterId ?? 0}`, processed);
  }
  async runRecord(runId: string): Promise<RunRecord> {
    const pages = [...this.pages].filter(([k]) => k.startsWith(`${runId}|`));
    const newest = new Map<number, LogEntry>();
    for (const l of this.logs)
      if (l.run_id === runId && l.object_type === 'user' && l.engage_id !== null && l.action !== 'invite')
        newest.set(l.engage_id, l);
    const outcomes = new Map<string, RunRecord['outcomes'][number]>();
    for (const l of newest.values()) {
      const invited = l.detail?.invited === true;
      const invitation = typeof l.detail?.invitation === 'string' ? l.detail.invitation : null;
      const key = [l.action, l.outcome, invited, invitation].join('|');
      const o = outcomes.get(key) ?? { action: l.action, outcome: l.outcome, invited, invitation, n: 0 };
      o.n++;
      outcomes.set(key, o);
    }
    const held = this.deletions.filter((d) => d.run_id === runId);
    return {
      processed: pages.length ? pages.reduce((n, [, p]) => n + p, 0) : null,
      outcomes: [...outcomes.values()],
      heldDeletions: held.length,
      heldNotLogged: held.filter((d) => !newest.has(d.engage_user_id)).length,
      heldForDecision: held.filter((d) => d.status === 'held').length,
    };
  }

  async takeUserLease(engageUserId: number, holder: string, ttlMs: number): Promise<UserLeaseTake> {
    this.check('takeUserLease');
    const l = this.leases.get(engageUserId);
    const now = this.clock.now();
    const taken = !l || l.expiresAt < now || l.holder === holder;
    if (taken) this.leases.set(engageUserId, { holder, expiresAt: now + ttlMs });
    return { taken, version: this.users.get(engageUserId)?.version ?? null };
  }
  async releaseUserLease(engageUserId: number, holder: string) {
    if (this.leases.get(engageUserId)?.holder === holder) this.leases.delete(engageUserId);
  }
}

// ------------------------------------------------------------------------------------------ engine

export const settings: SyncSettings = {
  options: {
    deprovision: 'deactivate',
    grantNewLocationsToExistingUsers: false,
    locationAdminsAdministerTheirLocations: false,
  },
  invitations: { mode: 'send' },
  pageSize: 1000,
  deleteThreshold: { count: 500, percent: 20, windowMs: 86_400_000 },
  decisionTtlMs: 7 * 86_400_000,
  scheduleIntervalMs: 86_400_000,
  fullReconcileEveryDays: 7,
};

export interface FakeWorld {
  engine: Engine;
  engage: FakeEngage;
  visitor: FakeVisitor;
  store: FakeStore;
  guard: FakeDeletionGuard;
  clock: FakeClock;
  metrics: { outcomes: Record<string, number>[]; runs: [string, string, number][] };
}

/** An engine over fresh fakes; `overrides` change settings or add a workflow probe. */
export function fakeWorld(
  overrides: { settings?: Partial<SyncSettings>; workflowIsRunning?: (id: string) => Promise<boolean> } = {},
): FakeWorld {
  const clock = new FakeClock();
  const engage = new FakeEngage();
  const visitor = new FakeVisitor();
  const store = new FakeStore(clock);
  const guard = new FakeDeletionGuard(clock, store);
  const metrics: FakeWorld['metrics'] = { outcomes: [], runs: [] };
  const engine = createEngine({
    engage,
    visitor,
    store,
    guard,
    settings: { ...settings, ...overrides.settings },
    concurrency: 4,
    clock,
    metrics: {
      outcomes: (c) => metrics.outcomes.push(c as Record<string, number>),
      runFinished: (kind, status, ms) => metrics.runs.push([kind, status, ms]),
    },
    ...(overrides.workflowIsRunning ? { workflowIsRunning: overrides.workflowIsRunning } : {}),
  });
  return { engine, engage, visitor, store, guard, clock, metrics };
}

export { VisitorScimError };
