// Owned-access sets (location id → role), content-addressed: thousands of users share a handful, so
// each distinct set is stored once in sync.access_sets and users refer to it by its sha256.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SyncDatabase } from '../db/sync-schema';
import type { Role } from '../domain/types';

export type AccessSet = Record<string, Role>;

/** Loaded sets kept before the cache starts over (a few hundred distinct sets is typical). */
const MAX_LOADED = 10_000;

export class AccessSets {
  readonly #db: Kysely<SyncDatabase>;
  /** Digests known to be stored: a set is inserted at most once per process. */
  readonly #stored = new Set<string>();
  /**
   * Sets loaded, by digest. A digest always gives the same frozen object: planning memoises on object
   * identity (domain/plan-user.ts), so every user of a set shares one object and one plan of it.
   */
  readonly #loaded = new Map<string, AccessSet>();
  /** The digest of each set object seen, loaded or saved. */
  readonly #digests = new WeakMap<AccessSet, string>();

  constructor(db: Kysely<SyncDatabase>) {
    this.#db = db;
  }

  /** The sha256 of the set's entries in key order (the key of sync.access_sets); memoised per object. */
  digestOf(access: AccessSet): string {
    let digest = this.#digests.get(access);
    if (digest === undefined) {
      const json = JSON.stringify(Object.entries(access).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      digest = createHash('sha256').update(json).digest('hex');
      this.#digests.set(access, digest);
    }
    return digest;
  }

  /** Stores the set if new (idempotent) and returns its digest. */
  async save(access: AccessSet): Promise<string> {
    const digest = this.digestOf(access);
    if (!this.#stored.has(digest)) {
      await this.#db
        .insertInto('sync.access_sets')
        .values({ digest, access: JSON.stringify(access) })
        .onConflict((oc) => oc.column('digest').doNothing())
        .execute();
      this.#stored.add(digest);
    }
    return digest;
  }

  /**
   * The sets of these digests, the shared frozen objects (one query for those not loaded yet). A
   * digest with no stored set is absent from the answer.
   */
  async load(digests: Iterable<string>): Promise<Map<string, AccessSet>> {
    const wanted = new Set(digests);
    const out = new Map<string, AccessSet>();
    const missing: string[] = [];
    for (const d of wanted) {
      const set = this.#loaded.get(d);
      if (set) out.set(d, set);
      else missing.push(d);
    }
    if (missing.length === 0) return out;
    if (this.#loaded.size > MAX_LOADED) this.#loaded.clear();
    const rows = await this.#db
      .selectFrom('sync.access_sets')
      .select(['digest', 'access'])
      .where('digest', 'in', missing)
      .execute();
    for (const r of rows) {
      // A concurrent load may have got there first: keep its object, so the digest stays one object.
      let set = this.#loaded.get(r.digest);
      if (!set) {
        set = Object.freeze(r.access);
        this.#loaded.set(r.digest, set);
        this.#digests.set(set, r.digest);
        this.#stored.add(r.digest);
      }
      out.set(r.digest, set);
    }
    return out;
  }
}
