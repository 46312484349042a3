// Applies "a day of changes" to a seeded Engage database and reports exactly which users changed how,
// so tests and benchmarks can compute what the sync should do.
import { type Kysely, sql } from 'kysely';
import type { EngageDatabase } from '../../db/engage-schema';
import { EMOJI_NAMES, JOB_TITLES, mailboxName, NON_LATIN_NAMES, personName, veryLongName } from './names';
import { COMPANY_DOMAIN, cityByName, type HomeLocation, PeopleFactory, type UserInsert } from './people';
import { createRandom, type Random } from './random';
import { buildLocations } from './seed';

/** An absolute count, or a percentage of the active, non-deleted users before the churn. */
export type Amount = number | { percent: number };

export interface ChurnOptions {
  update?: Amount;
  create?: Amount;
  delete?: Amount;
  deactivate?: Amount;
  promote?: Amount;
  demote?: Amount;
  dirty?: Amount;
  newLocations?: number;
  seed?: string | number;
  now?: Date;
}

export const USER_CHURN_KINDS = [
  'created',
  'deleted',
  'deactivated',
  'promoted',
  'demoted',
  'updated_name',
  'updated_title',
  'updated_phone',
  'updated_email',
  'dirty_no_email',
  'dirty_invalid_email',
  'dirty_case_duplicate_email',
  'dirty_non_email_username',
  'dirty_local_phone',
  'dirty_long_name',
  'dirty_emoji_name',
  'dirty_non_latin_name',
] as const;
export type UserChurnKind = (typeof USER_CHURN_KINDS)[number];
const DIRTY_KINDS = USER_CHURN_KINDS.filter((k) => k.startsWith('dirty_'));

export interface ChurnSummary {
  seed: string;
  activeUsersBefore: number;
  /** Users per kind; every changed or added user appears under exactly one kind. */
  userIds: Record<UserChurnKind, number[]>;
  counts: Record<UserChurnKind | 'new_locations', number>;
  newLocationIds: number[];
  /** Dirty users whose e-mail equals an existing user's identity up to case. */
  caseDuplicates: { userId: number; duplicateOf: number }[];
  durationMs: number;
}

interface ActiveUser {
  id: number;
  username: string;
  email: string | null;
  user_type: string;
  family_name: string | null;
  job_title: string | null;
}

export function resolveAmount(amount: Amount | undefined, base: number): number {
  if (amount === undefined) return 0;
  return typeof amount === 'number' ? Math.floor(amount) : Math.round((base * amount.percent) / 100);
}

export async function applyChurn(db: Kysely<EngageDatabase>, options: ChurnOptions): Promise<ChurnSummary> {
  const started = performance.now();
  const seed = String(options.seed ?? 1);
  const now = options.now ?? new Date();
  const random = createRandom(`churn/${seed}`);
  const userIds = Object.fromEntries(USER_CHURN_KINDS.map((k) => [k, [] as number[]])) as Record<
    UserChurnKind,
    number[]
  >;
  const caseDuplicates: ChurnSummary['caseDuplicates'] = [];
  let newLocationIds: number[] = [];
  let activeUsersBefore = 0;

  await db.transaction().execute(async (trx) => {
    // Ordered by id so the same database state and seed always give the same choices.
    const active: ActiveUser[] = await trx
      .selectFrom('engage.users')
      .select(['id', 'username', 'email', 'user_type', 'family_name', 'job_title'])
      .where('deleted_at', 'is', null)
      .where('active', '=', true)
      .orderBy('id')
      .execute();
    activeUsersBefore = active.length;
    const taken = await trx
      .selectFrom('engage.users')
      .select([sql<string>`lower(username)`.as('u'), sql<string | null>`lower(email)`.as('e')])
      .where('deleted_at', 'is', null)
      .execute();
    const n = (a: Amount | undefined) => Math.min(resolveAmount(a, active.length), active.length);

    // New locations first: new hires may be based there.
    if ((options.newLocations ?? 0) > 0) {
      const existing = await trx.selectFrom('engage.locations').select('name').execute();
      const built = buildLocations(
        random.fork('locations'),
        options.newLocations ?? 0,
        now,
        new Set(existing.map((l) => l.name)),
      );
      const inserted = await trx
        .insertInto('engage.locations')
        .values(built.map((b) => ({ ...b.row, active: true, created_at: now, updated_at: now })))
        .returning('id')
        .execute();
      newLocationIds = inserted.map((r) => r.id);
    }
    const locations = await trx
      .selectFrom('engage.locations')
      .select(['id', 'city'])
      .where('active', '=', true)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
    const homes: HomeLocation[] = locations.map((l) => ({ id: l.id, city: cityByName(l.city) }));
    const people = new PeopleFactory(
      random.fork('people'),
      homes,
      now,
      taken.flatMap((t) => (t.e ? [t.u, t.e] : [t.u])),
    );

    // Disjoint picks from one shuffle: each existing user changes in one way only.
    const order = random.fork('pick').sample(active, active.length);
    let cursor = 0;
    const take = (k: number, accept: (u: ActiveUser) => boolean = () => true): ActiveUser[] => {
      const picked: ActiveUser[] = [];
      for (let i = cursor; i < order.length && picked.length < k; i++) {
        const u = order[i]!;
        if (!accept(u)) continue;
        picked.push(u);
        order[i] = order[cursor]!;
        order[cursor] = u;
        cursor++;
      }
      return picked;
    };

    const leavers = take(n(options.delete));
    await softDelete(
      trx,
      leavers.map((u) => u.id),
    );
    userIds.deleted = leavers.map((u) => u.id).sort(ascending);

    const deactivated = take(n(options.deactivate));
    if (deactivated.length > 0) {
      await trx
        .updateTable('engage.users')
        .set({ active: false })
        .where(
          'id',
          'in',
          deactivated.map((u) => u.id),
        )
        .execute();
    }
    userIds.deactivated = deactivated.map((u) => u.id).sort(ascending);

    const promoted = take(n(options.promote), (u) => u.user_type === 'regular');
    await setType(trx, promoted, 'global_admin');
    userIds.promoted = promoted.map((u) => u.id).sort(ascending);
    const demoted = take(n(options.demote), (u) => u.user_type === 'global_admin');
    await setType(trx, demoted, 'regular');
    userIds.demoted = demoted.map((u) => u.id).sort(ascending);

    const editRandom = random.fork('edits');
    for (const u of take(n(options.update))) {
      const kind = editRandom.weighted({ name: 30, title: 30, phone: 25, email: 15 });
      if (kind === 'name') {
        await trx
          .updateTable('engage.users')
          .set({ family_name: differentFrom(u.family_name, () => personName(editRandom, 'en').family) })
          .where('id', '=', u.id)
          .execute();
      } else if (kind === 'title') {
        await trx
          .updateTable('engage.users')
          .set({ job_title: differentFrom(u.job_title, () => editRandom.pick(JOB_TITLES)) })
          .where('id', '=', u.id)
          .execute();
      } else if (kind === 'phone') {
        const home = editRandom.pick(homes);
        await trx
          .updateTable('engage.users')
          .set({ mobile_phone: people.phone(home.city, 0) })
          .where('id', '=', u.id)
          .execute();
      } else {
        // Marriage or a corrected spelling: a new address; an e-mail username follows it.
        const { given, family } = personName(editRandom, 'en');
        const domain = (u.email ?? u.username).split('@')[1] ?? COMPANY_DOMAIN;
        const email = people.uniqueAddress(mailboxName(given, family), domain);
        await trx
          .updateTable('engage.users')
          .set({
            email,
            given_name: given,
            family_name: family,
            ...(u.username.includes('@') ? { username: email } : {}),
          })
          .where('id', '=', u.id)
          .execute();
      }
      userIds[`updated_${kind}`].push(u.id);
    }

    const hires = Array.from({ length: n(options.create) }, () =>
      people.user(random.chance(0.05) ? 'vendor' : 'regular', {
        createdAfter: new Date(now.getTime() - 3_600_000),
      }),
    );
    userIds.created = await insertUsers(trx, hires);

    // Case duplicates copy the identity of an unchanged, active user with an e-mail username.
    const unchanged = order.slice(cursor).filter((u) => u.username.includes('@'));
    const dirtyRandom = random.fork('dirty');
    const total = n(options.dirty);
    for (let i = 0; i < total; i++) {
      const kind = DIRTY_KINDS[i % DIRTY_KINDS.length]!;
      const target = kind === 'dirty_case_duplicate_email' ? unchanged.shift() : undefined;
      if (kind === 'dirty_case_duplicate_email' && !target) continue;
      const row = dirtyUser(kind, people, dirtyRandom, target);
      const [id] = await insertUsers(trx, [row]);
      userIds[kind].push(id!);
      if (target) caseDuplicates.push({ userId: id!, duplicateOf: target.id });
    }
  });

  for (const kind of USER_CHURN_KINDS) userIds[kind].sort(ascending);
  const counts = Object.fromEntries(
    USER_CHURN_KINDS.map((k) => [k, userIds[k].length]),
  ) as ChurnSummary['counts'];
  counts.new_locations = newLocationIds.length;
  return {
    seed,
    activeUsersBefore,
    userIds,
    counts,
    newLocationIds,
    caseDuplicates,
    durationMs: Math.round(performance.now() - started),
  };
}

const ascending = (a: number, b: number) => a - b;

/** A new value that really differs, so the edit is a change (a no-op UPDATE does not move updated_at). */
function differentFrom(current: string | null, next: () => string): string {
  for (;;) {
    const value = next();
    if (value !== current) return value;
  }
}

async function softDelete(trx: Kysely<EngageDatabase>, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('engage.users')
    .set({ deleted_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .execute();
}

async function setType(trx: Kysely<EngageDatabase>, users: ActiveUser[], userType: string): Promise<void> {
  if (users.length === 0) return;
  await trx
    .updateTable('engage.users')
    .set({ user_type: userType })
    .where(
      'id',
      'in',
      users.map((u) => u.id),
    )
    .execute();
}

async function insertUsers(trx: Kysely<EngageDatabase>, rows: UserInsert[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 2_000) {
    // Database timestamps, not the generator's: an "updated since" reader must see today's rows.
    const batch = rows.slice(i, i + 2_000).map(({ created_at: _c, updated_at: _u, ...row }) => row);
    const inserted = await trx.insertInto('engage.users').values(batch).returning('id').execute();
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}

/** One row of a kind real Engage data has and the sync must cope with. */
function dirtyUser(kind: UserChurnKind, people: PeopleFactory, r: Random, target?: ActiveUser): UserInsert {
  const base = people.user('regular', { createdAfter: people.recent() });
  const given = base.given_name ?? 'Alex';
  const family = base.family_name ?? 'Doe';
  switch (kind) {
    case 'dirty_no_email':
      return { ...base, username: people.uniqueLogin(given, family), email: null };
    case 'dirty_invalid_email': {
      const local = mailboxName(given, family);
      const bad = r.pick([
        `${local}@`,
        `${local}@meridian-group`,
        `${local} at meridian-group.example`,
        `${local}@@meridian-group.example`,
        `${local}@meridian-group..example`,
      ]);
      return { ...base, username: people.uniqueLogin(given, family), email: bad };
    }
    case 'dirty_case_duplicate_email': {
      const identity = target!.username;
      const [local = '', domain = ''] = identity.split('@');
      // Differs only in case: capitalised local-part words and an upper-case domain.
      const variant = `${local.replace(/(^|\.)([a-z])/g, (_m, dot: string, c: string) => dot + c.toUpperCase())}@${domain.toUpperCase()}`;
      return {
        ...base,
        username: people.uniqueLogin(given, family),
        email: variant === identity ? identity.toUpperCase() : variant,
      };
    }
    case 'dirty_non_email_username':
      return { ...base, username: people.uniqueLogin(given, family) };
    case 'dirty_local_phone': {
      const home = people.home();
      return { ...base, mobile_phone: people.phone(home.city, 1), work_phone: people.phone(home.city, 1) };
    }
    case 'dirty_long_name':
      return { ...base, given_name: veryLongName(r, 'de') };
    case 'dirty_emoji_name':
    case 'dirty_non_latin_name': {
      const name = r.pick(kind === 'dirty_emoji_name' ? EMOJI_NAMES : NON_LATIN_NAMES);
      const email = people.uniqueAddress(name.latin, COMPANY_DOMAIN);
      return { ...base, given_name: name.given, family_name: name.family, username: email, email };
    }
    default:
      throw new Error(`not a dirty kind: ${kind}`);
  }
}
