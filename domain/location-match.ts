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

/** An Engage location that looks like more than one Visitor location equally (or shares one). */
export interface AmbiguousMatch {
  engageLocationId: number;
  /** The Visitor locations it looks equally like, by id. */
  candidates: string[];
}

/**
 * One proposal per Engage location at most, and each Visitor location proposed once: the strongest
 * pairs first. A tie (one Engage location like two Visitor locations, or two like one) is ambiguous:
 * no proposal, but the location is named with its candidates so it waits for the operator too — never
 * a guess, never a duplicate. Deterministic whatever the input order.
 */
export function proposeLocationMatches(
  engage: readonly MatchableEngageLocation[],
  visitor: readonly MatchableVisitorLocation[],
): { proposals: MatchProposal[]; ambiguous: AmbiguousMatch[] } {
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
  const proposals: MatchProposal[] = [];
  const ambiguous = new Map<number, Set<string>>();
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    if (takenE.has(p.e.id) || takenV.has(p.v.id)) continue;
    // Rivals: other free pairs of the same strength that share one side of this one.
    const rivals = pairs.filter(
      (q, j) =>
        j !== i &&
        q.s === p.s &&
        (q.e.id === p.e.id) !== (q.v.id === p.v.id) &&
        !takenE.has(q.e.id) &&
        !takenV.has(q.v.id),
    );
    if (rivals.length === 0) {
      takenE.add(p.e.id);
      takenV.add(p.v.id);
      proposals.push({
        engageLocationId: p.e.id,
        visitorLocationId: p.v.id,
        by: p.by,
        isDefault: p.v.isDefault,
      });
      continue;
    }
    for (const q of [p, ...rivals]) {
      takenE.add(q.e.id);
      takenV.add(q.v.id);
      const set = ambiguous.get(q.e.id) ?? new Set<string>();
      set.add(q.v.id);
      ambiguous.set(q.e.id, set);
    }
  }
  return {
    proposals: proposals.sort((a, b) => a.engageLocationId - b.engageLocationId),
    ambiguous: [...ambiguous]
      .sort(([a], [b]) => a - b)
      .map(([engageLocationId, c]) => ({ engageLocationId, candidates: [...c].sort() })),
  };
}
