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
    );
    assert.deepEqual(out, [
      { engageLocationId: 1, visitorLocationId: 'v-def', by: ['name'], isDefault: true },
    ]);
  });

  it('matches by street address when the names differ, with the city as support', () => {
    const out = proposeLocationMatches(
      [e(1, 'Head office', '1 King Street', 'London')],
      [v('v1', 'Reception', '1 king street', 'LONDON')],
    );
    assert.deepEqual(out[0]?.by, ['address', 'city']);
  });

  it('never proposes on a shared city alone', () => {
    assert.deepEqual(
      proposeLocationMatches([e(1, 'North', 'A road', 'Leeds')], [v('v1', 'South', 'B road', 'Leeds')]),
      [],
    );
  });

  it('prefers the stronger pair and proposes each Visitor location once', () => {
    const out = proposeLocationMatches(
      [e(1, 'HQ', null, 'Oslo'), e(2, 'HQ', '5 Main St', 'Oslo')],
      [v('v1', 'HQ', '5 Main St', 'Oslo')],
    );
    assert.deepEqual(
      out.map((p) => [p.engageLocationId, p.visitorLocationId]),
      [[2, 'v1']],
    );
  });

  it('proposes nothing for an ambiguous location (two equal candidates), whatever the input order', () => {
    const engage = [e(1, 'Office')];
    const visitor = [v('v1', 'Office'), v('v2', 'office')];
    assert.deepEqual(proposeLocationMatches(engage, visitor), []);
    assert.deepEqual(proposeLocationMatches(engage, [...visitor].reverse()), []);
    // Two Engage locations of the same name for one Visitor location: neither is guessed.
    assert.deepEqual(proposeLocationMatches([e(1, 'Office'), e(2, 'Office')], [v('v1', 'Office')]), []);
  });

  it('an empty value never agrees with another empty value', () => {
    assert.deepEqual(proposeLocationMatches([e(1, 'A', null, null)], [v('v1', 'B', null, null)]), []);
    assert.deepEqual(proposeLocationMatches([e(1, 'A', '', '')], [v('v1', 'B', '', '')]), []);
  });
});
