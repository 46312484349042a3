/**
 * The emulator's state: locations, users, the invitation log and the indexes that keep
 * look-ups independent of the number of users. Every change goes through `apply(event)`, which
 * is also how the journal is replayed, so live changes and restarts cannot diverge.
 */
import type { InvitationSend, LocationRecord, UserRecord } from './records';
import { ACCESS_NONE } from './records';

export type StoreEvent =
  | { op: 'loc.put'; loc: LocationRecord }
  | { op: 'loc.del'; id: string; at: string }
  | { op: 'user.put'; user: UserRecord }
  | { op: 'user.del'; id: string }
  | { op: 'inv'; send: InvitationSend }
  | { op: 'reset' };

export type EventSink = (event: StoreEvent) => void;

const fold = (s: string) => s.toLowerCase();

export class VisitorStore {
  readonly locations = new Map<string, LocationRecord>();
  private readonly locationsByOrdinal: (LocationRecord | undefined)[] = [];
  private readonly locationsByExternalId = new Map<string, LocationRecord>();
  private defaultLocationRecord: LocationRecord | undefined;

  readonly users = new Map<string, UserRecord>();
  private readonly usersByUserName = new Map<string, UserRecord>();
  private readonly usersByExternalId = new Map<string, UserRecord>();
  private readonly usersByEmail = new Map<string, Set<UserRecord>>();
  /** Users in creation order for stable paging; rebuilt lazily after deletions. */
  private order: UserRecord[] = [];
  private orderDirty = false;
  private nextSeq = 1;

  invitations: InvitationSend[] = [];
  /** Receives every applied event (the journal). */
  sink: EventSink | undefined;

  // ------------------------------------------------------------------ changes

  commit(event: StoreEvent): void {
    this.apply(event);
    this.sink?.(event);
  }

  apply(event: StoreEvent): void {
    switch (event.op) {
      case 'loc.put':
        this.putLocation(event.loc);
        break;
      case 'loc.del':
        this.deleteLocation(event.id, event.at);
        break;
      case 'user.put':
        this.putUser(event.user);
        break;
      case 'user.del':
        this.deleteUser(event.id);
        break;
      case 'inv':
        this.recordInvitation(event.send);
        break;
      case 'reset':
        this.clearUsers();
        break;
    }
  }

  private putLocation(loc: LocationRecord): void {
    const old = this.locations.get(loc.id);
    if (old?.externalId !== undefined) this.locationsByExternalId.delete(old.externalId);
    this.locations.set(loc.id, loc);
    this.locationsByOrdinal[loc.ordinal] = loc;
    if (loc.externalId !== undefined) this.locationsByExternalId.set(loc.externalId, loc);
    if (loc.isDefault) this.defaultLocationRecord = loc;
  }

  /** Removes the location from every user's access; users homed there move to the default. */
  private deleteLocation(id: string, at: string): void {
    const loc = this.locations.get(id);
    if (!loc) return;
    this.locations.delete(id);
    this.locationsByOrdinal[loc.ordinal] = undefined;
    if (loc.externalId !== undefined) this.locationsByExternalId.delete(loc.externalId);
    const fallback = this.defaultLocationRecord?.ordinal ?? 0;
    for (const user of this.users.values()) {
      const hadAccess = (user.access[loc.ordinal] ?? ACCESS_NONE) !== ACCESS_NONE;
      const wasHome = user.defaultLocation === loc.ordinal;
      if (!hadAccess && !wasHome) continue;
      if (hadAccess) user.access[loc.ordinal] = ACCESS_NONE;
      if (wasHome) user.defaultLocation = fallback;
      user.version++;
      user.lastModified = at;
    }
  }

  private putUser(user: UserRecord): void {
    const old = this.users.get(user.id);
    if (old) {
      // Update in place so `order` keeps pointing at the live record.
      this.unindexUser(old);
      Object.assign(old, user, { seq: old.seq });
      this.indexUser(old);
      return;
    }
    const stored = { ...user, seq: this.nextSeq++ };
    this.users.set(stored.id, stored);
    this.order.push(stored);
    this.indexUser(stored);
  }

  private deleteUser(id: string): void {
    const user = this.users.get(id);
    if (!user) return;
    this.unindexUser(user);
    this.users.delete(id);
    this.orderDirty = true;
  }

  private recordInvitation(send: InvitationSend): void {
    this.invitations.push(send);
    const user = this.users.get(send.userId);
    if (user && user.invitationStatus !== 'sent') {
      user.invitationStatus = 'sent';
      user.invitationSentAt = send.sentAt;
      user.version++;
      user.lastModified = send.sentAt;
    }
  }

  private clearUsers(): void {
    this.users.clear();
    this.usersByUserName.clear();
    this.usersByExternalId.clear();
    this.usersByEmail.clear();
    this.order = [];
    this.orderDirty = false;
    this.invitations = [];
  }

  private indexUser(user: UserRecord): void {
    this.usersByUserName.set(fold(user.userName), user);
    if (user.externalId !== undefined) this.usersByExternalId.set(user.externalId, user);
    for (const email of user.emails) {
      const key = fold(email.value);
      let set = this.usersByEmail.get(key);
      if (!set) {
        set = new Set();
        this.usersByEmail.set(key, set);
      }
      set.add(user);
    }
  }

  private unindexUser(user: UserRecord): void {
    this.usersByUserName.delete(fold(user.userName));
    if (user.externalId !== undefined) this.usersByExternalId.delete(user.externalId);
    for (const email of user.emails) {
      const key = fold(email.value);
      const set = this.usersByEmail.get(key);
      set?.delete(user);
      if (set?.size === 0) this.usersByEmail.delete(key);
    }
  }

  // ------------------------------------------------------------------ queries

  get defaultLocation(): LocationRecord | undefined {
    return this.defaultLocationRecord;
  }

  /** Length every access array needs to cover all ordinals handed out so far. */
  get ordinalCount(): number {
    return this.locationsByOrdinal.length;
  }

  locationAt(ordinal: number): LocationRecord | undefined {
    return this.locationsByOrdinal[ordinal];
  }

  locationByExternalId(externalId: string): LocationRecord | undefined {
    return this.locationsByExternalId.get(externalId);
  }

  /** Live locations by ordinal (creation order). */
  orderedLocations(): LocationRecord[] {
    return this.locationsByOrdinal.filter((l): l is LocationRecord => l !== undefined);
  }

  userByUserName(userName: string): UserRecord | undefined {
    return this.usersByUserName.get(fold(userName));
  }

  userByExternalId(externalId: string): UserRecord | undefined {
    return this.usersByExternalId.get(externalId);
  }

  usersWithEmail(email: string): Iterable<UserRecord> {
    return this.usersByEmail.get(fold(email)) ?? [];
  }

  orderedUsers(): UserRecord[] {
    if (this.orderDirty) {
      this.order = [...this.users.values()];
      this.orderDirty = false;
    }
    return this.order;
  }

  /** Puts index hits into paging order (creation order), without duplicates. */
  inOrder(users: Iterable<UserRecord>): UserRecord[] {
    return [...new Set(users)].sort((a, b) => a.seq - b.seq);
  }

  /** The stored (live) record for an id; callers render from it after a commit. */
  user(id: string): UserRecord | undefined {
    return this.users.get(id);
  }
}
