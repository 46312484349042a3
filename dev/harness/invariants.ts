// What Visitor must look like after a run, checked against Engage, the emulator's exported state and
// the sync state. Returns the list of violations (empty = all invariants hold).

import type { Kysely } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import type { SyncDatabase } from '../../db/sync-schema';
import { desiredVisitorUser } from '../../domain/desired-user';
import type { EngageLocation, EngageUser } from '../../domain/types';
import { createEngageReader } from '../../engage/reader';
import type { VisitorState } from './visitor-state';

/** What the checks read: Engage, the sync state and Visitor's exported state (a SyncHarness fits). */
export interface InvariantSubject {
  engage: { db: Kysely<EngageDatabase> };
  sync: { db: Kysely<SyncDatabase> };
  visitorState(): Promise<VisitorState>;
}

export interface InvariantOptions {
  /** Every provisioned user must have access to every location (true after an initial sync). */
  accessToAllLocations?: boolean;
  /** Invitation policy of the runs: 'send' → every user the sync created got exactly one invitation. */
  invitations?: 'send' | 'none';
  locationAdminsAdministerTheirLocations?: boolean;
  /** Admin rights a superuser granted by hand: the sync must leave them, so they are allowed. */
  handGrantedAdmins?: { visitorUserId: string; locationId: string }[];
  /** No run deleted anyone: every invitation must belong to a user Visitor still has. */
  invitationsOnlyToExistingUsers?: boolean;
}

export async function readEngage(
  h: InvariantSubject,
): Promise<{ users: EngageUser[]; invalidIds: number[]; locations: EngageLocation[] }> {
  const reader = createEngageReader(h.engage.db);
  const users: EngageUser[] = [];
  const invalidIds: number[] = [];
  let afterId = 0;
  for (;;) {
    const page = await reader.usersPage({ afterId, limit: 5000, includeDeleted: true });
    users.push(...page.users);
    invalidIds.push(...page.invalid.map((i) => i.id));
    if (page.nextAfterId === null) break;
    afterId = page.nextAfterId;
  }
  const { locations } = await reader.allActiveLocations();
  return { users, invalidIds, locations };
}

export async function checkInvariants(h: InvariantSubject, opts: InvariantOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const [engage, visitor, failedRows] = await Promise.all([
    readEngage(h),
    h.visitorState(),
    h.sync.db.selectFrom('sync.user_failures').select(['engage_user_id', 'codes']).execute(),
  ]);
  // Recorded as failed means: with a reason (at least one failure code).
  const failed = new Set(failedRows.filter((r) => r.codes.length > 0).map((r) => r.engage_user_id));
  checkLocations(engage.locations, visitor, problems);
  const defaultIndex = visitor.locations.findIndex((l) => l.isDefault);
  const locationIndexByEngageId = new Map(visitor.locations.map((l, i) => [Number(l.externalId), i]));

  // No duplicates.
  const byExternal = new Map<string, number>();
  const byName = new Map<string, number>();
  for (const u of visitor.users) {
    if (u.externalId) byExternal.set(u.externalId, (byExternal.get(u.externalId) ?? 0) + 1);
    byName.set(u.userName.toLowerCase(), (byName.get(u.userName.toLowerCase()) ?? 0) + 1);
  }
  for (const [k, n] of byExternal) if (n > 1) problems.push(`externalId ${k} appears ${n} times in Visitor`);
  for (const [k, n] of byName)
    if (n > 1) problems.push(`a userName appears ${n} times in Visitor (${k.length} chars)`);

  const visitorByExternal = new Map(visitor.users.map((u) => [u.externalId, u]));
  for (const e of engage.users) {
    const v = visitorByExternal.get(String(e.id));
    const wanted = e.active && e.deletedAt === null;
    if (!wanted) {
      if (v?.active) problems.push(`Engage user ${e.id} is deleted/inactive but active in Visitor`);
      continue;
    }
    const desired = desiredVisitorUser(e);
    if (!v) {
      if (!failed.has(e.id))
        problems.push(`Engage user ${e.id} is neither in Visitor nor recorded as failed`);
      continue;
    }
    if (!desired.ok) continue; // invalid now but provisioned earlier: left as it was
    const d = desired.user;
    const same = (a: unknown, b: unknown, what: string) => {
      if ((a ?? null) !== (b ?? null)) problems.push(`user ${e.id}: ${what} differs`);
    };
    same(v.userName, d.userName, 'userName');
    same(v.name.givenName, d.givenName, 'givenName');
    same(v.name.familyName, d.familyName, 'familyName');
    same(v.emails.find((m) => m.primary)?.value, d.email, 'primary e-mail');
    same(v.phoneNumbers?.find((p) => p.type === 'mobile')?.value, d.mobilePhone, 'mobile phone');
    same(v.phoneNumbers?.find((p) => p.type === 'work')?.value, d.workPhone, 'work phone');
    same(v.title, d.title, 'title');
    same(v.preferredLanguage, d.preferredLanguage, 'preferredLanguage');
    same(v.sso, d.sso, 'sso');
    same(v.active, true, 'active');
    same(v.defaultLocationId, visitor.locations[defaultIndex]?.id, 'default location');
    const access = v.access;
    const expectedDefault = e.userType === 'global_admin' ? 'a' : 'r';
    if (
      access[defaultIndex] !== expectedDefault &&
      !(
        access[defaultIndex] === 'a' &&
        e.userType !== 'global_admin' &&
        opts.locationAdminsAdministerTheirLocations
      )
    ) {
      problems.push(
        `user ${e.id} (${e.userType}): role at the default location is '${access[defaultIndex]}', expected '${expectedDefault}'`,
      );
    }
    const adminAt = new Set(
      opts.locationAdminsAdministerTheirLocations && e.userType === 'location_admin'
        ? e.administeredLocationIds
            .map((id) => locationIndexByEngageId.get(id))
            .filter((i) => i !== undefined)
        : [],
    );
    for (let i = 0; i < access.length; i++) {
      if (i === defaultIndex) continue;
      const c = access[i];
      if (opts.accessToAllLocations && c === '-') problems.push(`user ${e.id}: no access to location #${i}`);
      const byHand = opts.handGrantedAdmins?.some(
        (g) => g.visitorUserId === v.id && g.locationId === visitor.locations[i]?.id,
      );
      if (c === 'a' && !adminAt.has(i) && !byHand)
        problems.push(`user ${e.id}: admin at non-default location #${i}`);
      if (adminAt.has(i) && c !== 'a')
        problems.push(`user ${e.id}: not admin at an administered location #${i}`);
    }
  }

  // Invitations: never twice; with 'send', every user the sync created got one.
  const sends = new Map<string, number>();
  for (const inv of visitor.invitations) sends.set(inv.userId, (sends.get(inv.userId) ?? 0) + 1);
  for (const [id, n] of sends) if (n > 1) problems.push(`Visitor user ${id} was invited ${n} times`);
  if (opts.invitationsOnlyToExistingUsers) {
    const present = new Set(visitor.users.map((u) => u.id));
    for (const id of sends.keys())
      if (!present.has(id)) problems.push(`Visitor user ${id} was invited but is gone (deleted before?)`);
  }
  if (opts.invitations === 'send') {
    const created = await h.sync.db
      .selectFrom('sync.users')
      .select(['visitor_user_id', 'invitation_status'])
      .where('created_by_run', 'is not', null)
      .where('visitor_user_id', 'is not', null)
      .execute();
    for (const c of created) {
      if (c.invitation_status !== 'skipped' && sends.get(c.visitor_user_id!) !== 1)
        problems.push(`created user ${c.visitor_user_id} was not invited exactly once`);
    }
  }
  problems.push(...(await checkProvisioningLog(h, visitor)));
  return problems;
}

/**
 * The provisioning log and the runs' counts match what Visitor received (issue 14, defect 11): every
 * user the sync created, deactivated or deleted, and every invitation, has its log entry; each
 * finished bulk run counts as many creates as its log holds, and no fewer than the users it created.
 */
export async function checkProvisioningLog(h: InvariantSubject, visitor: VisitorState): Promise<string[]> {
  const problems: string[] = [];
  const [states, logged, runs] = await Promise.all([
    h.sync.db
      .selectFrom('sync.users')
      .select(['engage_user_id', 'visitor_user_id', 'deprovisioned', 'created_by_run'])
      .execute(),
    h.sync.db
      .selectFrom('sync.log')
      .select(['run_id', 'engage_id', 'action', 'outcome', 'detail'])
      .where('object_type', '=', 'user')
      .where('outcome', 'in', ['created', 'adopted', 'deleted', 'deactivated', 'invited'])
      .execute(),
    h.sync.db
      .selectFrom('sync.runs')
      .select(['id', 'counts'])
      .where('kind', 'in', ['initial', 'daily'])
      .where('status', '=', 'completed')
      .execute(),
  ]);
  const outcomesOf = new Map<number, Set<string>>();
  const invitedBy = new Set<number>();
  for (const l of logged) {
    if (l.engage_id === null) continue;
    const set = outcomesOf.get(l.engage_id) ?? new Set<string>();
    set.add(l.outcome);
    outcomesOf.set(l.engage_id, set);
    if (l.outcome === 'invited' || (l.detail as { invitation?: string } | null)?.invitation === 'sent')
      invitedBy.add(l.engage_id);
  }
  const has = (id: number, ...outcomes: string[]) => outcomes.some((o) => outcomesOf.get(id)?.has(o));
  const inVisitor = new Map(visitor.users.map((u) => [u.id, u]));
  const engageIdOf = new Map<string, number>();
  let missing = 0;
  const miss = (what: string) => {
    if (missing++ < 5) problems.push(what);
  };
  for (const s of states) {
    if (s.visitor_user_id) engageIdOf.set(s.visitor_user_id, s.engage_user_id);
    if (s.created_by_run === null) continue;
    const v = s.visitor_user_id ? inVisitor.get(s.visitor_user_id) : undefined;
    if (v && !has(s.engage_user_id, 'created', 'adopted'))
      miss(`user ${s.engage_user_id} is in Visitor but the log has no created/adopted entry`);
    if (s.deprovisioned && v && !v.active && !has(s.engage_user_id, 'deactivated'))
      miss(`user ${s.engage_user_id} was deactivated in Visitor but the log has no deactivated entry`);
    if (s.deprovisioned && !s.visitor_user_id && !has(s.engage_user_id, 'deleted'))
      miss(`user ${s.engage_user_id} was deleted from Visitor but the log has no deleted entry`);
  }
  for (const inv of visitor.invitations) {
    const id = engageIdOf.get(inv.userId);
    // An invitation sent before the sync adopted the user (by hand) is not the sync's to log.
    if (id !== undefined && !invitedBy.has(id) && !(has(id, 'adopted') && !has(id, 'created')))
      miss(`user ${id} was invited in Visitor but the log records no invitation`);
  }
  if (missing > 5) problems.push(`… ${missing - 5} more users with actions missing from the log`);

  const createdBy = new Map<string, number>();
  for (const s of states)
    if (s.created_by_run && s.visitor_user_id && inVisitor.has(s.visitor_user_id))
      createdBy.set(s.created_by_run, (createdBy.get(s.created_by_run) ?? 0) + 1);
  const loggedCreates = new Map<string, Set<number>>();
  for (const l of logged)
    if ((l.outcome === 'created' || l.outcome === 'adopted') && l.engage_id !== null) {
      const set = loggedCreates.get(l.run_id) ?? new Set<number>();
      set.add(l.engage_id);
      loggedCreates.set(l.run_id, set);
    }
  for (const r of runs) {
    const counted = (r.counts.created ?? 0) + (r.counts.adopted ?? 0);
    const inLog = loggedCreates.get(r.id)?.size ?? 0;
    if (counted !== inLog) problems.push(`run ${r.id} counts ${counted} created/adopted, its log ${inLog}`);
    const made = createdBy.get(r.id) ?? 0;
    if (counted < made)
      problems.push(`run ${r.id} counts ${counted} created/adopted but created ${made} users`);
  }
  return problems;
}

function checkLocations(engage: EngageLocation[], visitor: VisitorState, problems: string[]) {
  const byExternal = new Map(visitor.locations.filter((l) => l.externalId).map((l) => [l.externalId!, l]));
  if (visitor.locations.filter((l) => l.isDefault).length !== 1)
    problems.push('Visitor must have exactly one default location');
  const counts = new Map<string, number>();
  for (const l of visitor.locations)
    if (l.externalId) counts.set(l.externalId, (counts.get(l.externalId) ?? 0) + 1);
  for (const [k, n] of counts) if (n > 1) problems.push(`Engage location ${k} exists ${n} times in Visitor`);
  for (const l of engage) {
    const v = byExternal.get(String(l.id));
    if (!v) problems.push(`Engage location ${l.id} is missing in Visitor`);
    else if (v.name !== l.name) problems.push(`location ${l.id}: name differs`);
  }
}
