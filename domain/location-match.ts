// Which Visitor location that existed before the sync (the HQ, Visitor's default) is which Engage
// location: proposals for an operator to confirm, never applied on their own — a wrong match would
// merge two sites, a missed one duplicates a site.

export interface MatchableEngageLocation {
  id: number;
  name: string;
  address: string | null;
  city: string | null;
}

export interface MatchableVisitorLocation {
  id: string;
  name: string;
  streetAddress: string | null;
  locality: string | null;
  isDefault: boolean;
}

export type MatchBasis = 'name' | 'address' | 'city';

export interface MatchProposal {
  engageLocationId: number;
  visitorLocationId: string;
  /** What agreed, strongest first. */
  by: MatchBasis[];
  isDefault: boolean;
}

/** Case, accents, punctuation and spacing do not tell two sites apart ("Zürich HQ" = "zurich  hq."). */
export function normalizeForMatch(s: string | null): string {
  if (s === null) return '';
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const WEIGHT: Record<MatchBasis, number> = { name: 2, address: 2, city: 1 };
/** A name or a street address must agree: a shared city alone is two offices in one town. */
const THRESHOLD = 2;

function basis(e: MatchableEngageLocation, v: MatchableVisitorLocation): MatchBasis[] {
  const same = (a: string | null, b: string | null) => {
    const x = normalizeForMatch(a);
    return x !== '' && x === normalizeForMatch(b);
  };
  const by: MatchBasis[] = [];
  if (same(e.name, v.name)) by.push('name');
  if (same(e.address, v.streetAddress)) by.push('address');
  if (same(e.city, v.locality)) by.push('city');
  return by;
}

const score = (by: MatchBasis[]) => by.reduce((n, b) => n + WEIGHT[b], 0);

/**
 * One proposal per Engage location at most, and each Visitor location proposed once: the strongest
 * pairs first; a tie for the same location is ambiguous and proposes nothing for it (the operator
 * matches it by hand). Deterministic whatever the input order.
 */
export function proposeLocationMatches(
  engage: readonly MatchableEngageLocation[],
  visitor: readonly MatchableVisitorLocation[],
): MatchProposal[] {
  const pairs: { e: MatchableEngageLocation; v: MatchableVisitorLocation; by: MatchBasis[]; s: number }[] =
    [];
  for (const e of engage) {
    for (const v of visitor) {
      const by = basis(e, v);
      const s = score(by);
      if (s >= THRESHOLD) pairs.push({ e, v, by, s });
    }
  }
  pairs.sort((a, b) => b.s - a.s || a.e.id - b.e.id || (a.v.id < b.v.id ? -1 : a.v.id > b.v.id ? 1 : 0));
  const takenE = new Set<number>();
  const takenV = new Set<string>();
  const out: MatchProposal[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    if (takenE.has(p.e.id) || takenV.has(p.v.id)) continue;
    // Ambiguous: another free pair of the same strength shares one side of this one.
    const rival = pairs.some(
      (q, j) =>
        j !== i &&
        q.s === p.s &&
        (q.e.id === p.e.id) !== (q.v.id === p.v.id) &&
        !takenE.has(q.e.id) &&
        !takenV.has(q.v.id),
    );
    takenE.add(p.e.id);
    takenV.add(p.v.id);
    if (rival) continue;
    out.push({ engageLocationId: p.e.id, visitorLocationId: p.v.id, by: p.by, isDefault: p.v.isDefault });
  }
  return out.sort((a, b) => a.engageLocationId - b.engageLocationId);
}
