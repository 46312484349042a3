import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type MatchableEngageLocation,
  type MatchableVisitorLocation,
  normalizeForMatch,
  proposeLocationMatches,
} from '../../domain/location-match';

const e = (id: number, name: string, address: string | null = null, city: string | null = null) =>
  ({ id, name, address, city }) satisfies MatchableEngageLocation;
const v = (
  id: string,
  name: string,
  streetAddress: string | null = null,
  locality: string | null = null,
  isDefault = false,
) => ({ id, name, streetAddress, locality, isDefault }) satisfies MatchableVisitorLocation;

describe('normalizeForMatch', () => {
  it('ignores case, accents, punctuation and spacing', () => {
    assert.equal(normalizeForMatch('  Zürich  HQ. '), 'zurich hq');
    assert.equal(normalizeForMatch('ZURICH-hq'), 'zurich hq');
    assert.equal(normalizeForMatch(null), '');
  });
  it('keeps letters of any script', () => {
    assert.equal(normalizeForMatch('東京 本社'), '東京 本社');
  });
});

describe('proposeLocationMatches', () => {
  it("proposes Visitor's default location for the Engage HQ of the same name", () => {
    const out = proposeLocationMatches(
      [e(1, 'London HQ', '1 King St', 'London'), e(2, 'Paris')],
      [v('v-def', 'london hq', null, null, true)],
    ).proposals;
    assert.deepEqual(out, [
      { engageLocationId: 1, visitorLocationId: 'v-def', by: ['name'], isDefault: true },
    ]);
  });

  it('matches by street address when the names differ, with the city as support', () => {
    const out = proposeLocationMatches(
      [e(1, 'Head office', '1 King Street', 'London')],
      [v('v1', 'Reception', '1 king street', 'LONDON')],
    ).proposals;
    assert.deepEqual(out[0]?.by, ['address', 'city']);
  });

  it('never proposes on a shared city alone', () => {
    assert.deepEqual(
      proposeLocationMatches([e(1, 'North', 'A road', 'Leeds')], [v('v1', 'South', 'B road', 'Leeds')]),
      { proposals: [], ambiguous: [] },
    );
  });

  it('prefers the stronger pair and proposes each Visitor location once', () => {
    const out = proposeLocationMatches(
      [e(1, 'HQ', null, 'Oslo'), e(2, 'HQ', '5 Main St', 'Oslo')],
      [v('v1', 'HQ', '5 Main St', 'Oslo')],
    ).proposals;
    assert.deepEqual(
      out.map((p) => [p.engageLocationId, p.visitorLocationId]),
      [[2, 'v1']],
    );
  });

  it('an ambiguous location (two equal candidates, or two locations for one) is named with its candidates, not guessed', () => {
    const engage = [e(1, 'Office')];
    const visitor = [v('v1', 'Office'), v('v2', 'office')];
    const expected = { proposals: [], ambiguous: [{ engageLocationId: 1, candidates: ['v1', 'v2'] }] };
    assert.deepEqual(proposeLocationMatches(engage, visitor), expected);
    assert.deepEqual(proposeLocationMatches(engage, [...visitor].reverse()), expected);
    // Two buildings at the HQ's address: neither is guessed, both wait.
    assert.deepEqual(
      proposeLocationMatches(
        [e(1, 'Building A', '1 Main St'), e(2, 'Building B', '1 Main St')],
        [v('v1', 'HQ', '1 Main St')],
      ),
      {
        proposals: [],
        ambiguous: [
          { engageLocationId: 1, candidates: ['v1'] },
          { engageLocationId: 2, candidates: ['v1'] },
        ],
      },
    );
  });

  it('an empty value never agrees with another empty value', () => {
    assert.deepEqual(
      proposeLocationMatches([e(1, 'A', null, null)], [v('v1', 'B', null, null)]).proposals,
      [],
    );
    assert.deepEqual(proposeLocationMatches([e(1, 'A', '', '')], [v('v1', 'B', '', '')]).proposals, []);
  });
});
