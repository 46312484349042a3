// Engage users sharing one Visitor identity (userName compared case-insensitively): who keeps it.
import { identityKey } from './identity';

export interface IdentityGroupMember {
  engageUserId: number;
  /** Already linked (by the sync) to the Visitor user that has this userName. */
  linkedToVisitor: boolean;
}

export interface IdentityConflictOutcome {
  engageUserId: number;
  outcome: 'keeps' | 'fails';
  /** The other Engage user ids sharing the identity, ascending. */
  conflictingWith: number[];
}

/**
 * For the members of one group sharing an identity key: if exactly one is already linked to the Visitor
 * user, it keeps the identity and the others fail; otherwise all fail — the sync does not guess who owns
 * the e-mail. A group of one keeps it. Duplicate ids are merged; output is sorted by Engage id.
 */
export function resolveIdentityGroup(members: readonly IdentityGroupMember[]): IdentityConflictOutcome[] {
  const byId = new Map<number, boolean>();
  for (const m of members) byId.set(m.engageUserId, (byId.get(m.engageUserId) ?? false) || m.linkedToVisitor);
  const ids = [...byId.keys()].sort((a, b) => a - b);
  const linked = ids.filter((id) => byId.get(id) === true);
  const keeper = ids.length === 1 ? ids[0] : linked.length === 1 ? linked[0] : undefined;
  return ids.map((engageUserId) => ({
    engageUserId,
    outcome: engageUserId === keeper ? 'keeps' : 'fails',
    conflictingWith: ids.filter((id) => id !== engageUserId),
  }));
}

export interface IdentityCandidate extends IdentityGroupMember {
  userName: string;
}

/**
 * Groups candidates by identityKey(userName) and resolves every group of two or more; users without a
 * conflict are not in the result.
 */
export function findIdentityConflicts(
  candidates: readonly IdentityCandidate[],
): Map<number, IdentityConflictOutcome> {
  const groups = new Map<string, IdentityGroupMember[]>();
  for (const c of candidates) {
    const key = identityKey(c.userName);
    const group = groups.get(key) ?? [];
    group.push({ engageUserId: c.engageUserId, linkedToVisitor: c.linkedToVisitor });
    groups.set(key, group);
  }
  const result = new Map<number, IdentityConflictOutcome>();
  for (const group of groups.values()) {
    const outcomes = resolveIdentityGroup(group);
    if (outcomes.length < 2) continue;
    for (const o of outcomes) result.set(o.engageUserId, o);
  }
  return result;
}
