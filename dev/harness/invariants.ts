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
