// Builders shared by the engine and activity tests over the fakes (fakes.ts): the sync's state of a
// user, linked users seeded on both sides, a page's input, the per-user run context, the provisioning
// log row of a run, and a world to run reconcileUser in.
import type { SyncSettings } from '../../config/service';
import { planInputOf } from '../../domain/plan-input';
import type { DesiredVisitorUser, SyncUserState } from '../../domain/types';
import { contextDigestOf, type LocationContext, loadLocationContext } from '../../engine/location-context';
import type { LogEntry } from '../../engine/ports';
import type { UserPageInput } from '../../engine/reconcile-page';
import { reconcileUser } from '../../engine/reconcile-user';
import type { UserInput, UserRunContext } from '../../engine/user-result';
import type { PatchOperation } from '../../scim/wire';
import { type FakeStore, type FakeWorld, fakeWorld } from './fakes';

// ------------------------------------------------------------------------------------------ state

type StateOverrides = Partial<Omit<SyncUserState, 'attributes'>> & {
  attributes?: Partial<DesiredVisitorUser>;
};

/**
 * The state the sync keeps for Engage user `id`, linked to `visitorUserId`: userName
 * user<id>@example.com (or the one given, in the attributes too), access to the default location.
 */
export function syncState(id: number, visitorUserId: string | null, o: StateOverrides = {}): SyncUserState {
  const { attributes, ...rest } = o;
  const userName = o.userName ?? `user${id}@example.com`;
  return {
    engageUserId: id,
    visitorUserId,
    userName,
    attributes: {
      externalId: String(id),
      userName,
      email: userName,
      givenName: 'G',
      familyName: 'F',
      sso: false,
      ...attributes,
    },
    ownedAccess: { 'loc-default': 'regular' },
    fingerprint: `fp-${id}`,
    deprovisioned: false,
    ...rest,
  };
}

/** Engage user `id` as an earlier run left it: in Visitor (externalId = id) and linked in the store. */
export function seedLinked(w: FakeWorld, id: number, extra: Parameters<FakeStore['seedUser']>[1] = {}) {
  const v = w.visitor.seedUser(`user${id}@example.com`, { externalId: String(id) });
  w.store.seedUser(syncState(id, v.id), extra);
  return v.id;
}

/** A bulk run opened in the store (daily, not dry), as beginRun leaves it. */
export async function openDailyRun(w: FakeWorld, id = 'r1', workflowId = 'wf') {
  await w.store.openRun({ id, kind: 'daily', workflowId, startedBy: 'x', dryRun: false });
}

/** The provisioning-log row of a run (no user, no location): the shape the store keeps. */
export const runLogEntry = (
  run_id: string,
  action: string,
  outcome: string,
  detail: Record<string, unknown> | null,
): LogEntry => ({
  run_id,
  object_type: 'run',
  engage_id: null,
  visitor_id: null,
  user_name: null,
  action,
  outcome,
  attributes: null,
  duration_ms: null,
  detail,
});

// ------------------------------------------------------------------------------------------ runs

/** The input of one page activity: an initial, real run over every user, invitations sent. */
export const pageInput = (runId: string, o: Partial<UserPageInput> = {}): UserPageInput => ({
  runId,
  kind: 'initial',
  afterId: null,
  upToId: null,
  dryRun: false,
  full: false,
  invitations: { mode: 'send' },
  defaultLocationId: 'loc-default',
  ...o,
});

/** The context of one user in run r1 (real, not full, deletions deferred, first attempt). */
export const userRunContext = (
  w: FakeWorld,
  locations: LocationContext,
  o: Partial<UserRunContext> = {},
): UserRunContext => ({
  runId: 'r1',
  dryRun: false,
  full: false,
  invitations: w.engine.settings.invitations,
  locations,
  options: w.engine.settings.options,
  deferDeletes: true,
  now: new Date(w.clock.now()),
  attempt: 1,
  ...o,
});

/** The operations of every patchUser Visitor was sent, in order. */
export const patchesOf = (w: FakeWorld) =>
  w.visitor.calls.filter((c) => c.method === 'patchUser').map((c) => c.body as PatchOperation[]);

/** The methods Visitor was called with, in order. */
export const visitorMethods = (w: FakeWorld) => w.visitor.calls.map((c) => c.method);

/**
 * Fresh fakes with the locations loaded (Visitor's calls reset), and one user at a time through
 * reconcileUser: `input(id)` reads Engage, the state and any failure record as a page would.
 */
export async function userWorld(settings: Partial<SyncSettings> = {}) {
  const w = fakeWorld({ settings });
  const locations = await loadLocationContext(w.engine);
  w.visitor.calls.length = 0;
  const digest = contextDigestOf(locations, w.engine.settings.options);
  const ctx = (o: Partial<UserRunContext> = {}) => userRunContext(w, locations, o);
  const planInput = (id: number) => planInputOf(digest, w.engage.users.get(id)!.sourceDigest!);
  const input = async (id: number, o: Partial<UserInput> = {}): Promise<UserInput> => {
    const engage = w.engage.users.get(id) ?? null;
    const failure = (await w.store.failuresByIds([id])).get(id);
    return {
      engageUserId: id,
      engage,
      state: (await w.store.usersByIds([id])).get(id) ?? null,
      ...(engage?.sourceDigest ? { planInput: planInput(id) } : {}),
      ...(failure ? { failure } : {}),
      ...o,
    };
  };
  const run = async (id: number, c: Partial<UserRunContext> = {}, o: Partial<UserInput> = {}) =>
    reconcileUser(w.engine, ctx(c), await input(id, o));
  return { ...w, locations, ctx, input, planInput, run };
}
