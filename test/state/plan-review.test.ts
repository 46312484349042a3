// A reviewed dry run's plan against a fresh one, in PostgreSQL: object by object, what each plans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locationEntry, userEntry } from '../../engine/log-entries';
import type { LogEntry } from '../../engine/ports';
import { syncDatabase } from './fixtures';

const { store } = syncDatabase('plan_review');

const create = (run: string, id: number, plan = `p${id}`, invitation = 'now') =>
  userEntry(run, id, 'create', 'planned', { attributes: ['*'], detail: { plan, invitation } });

async function plans(reviewed: LogEntry[], fresh: LogEntry[]) {
  await store().log([...reviewed, ...fresh]);
}

describe('planDifferences', () => {
  it('two plans that say the same of every object have no difference (whatever the entry order)', async () => {
    await plans([create('a1', 1), create('a1', 2)], [create('b1', 2), create('b1', 1)]);
    assert.deepEqual(await store().planDifferences('a1', 'b1', 10), { total: 0, first: [] });
  });

  it('names each object planned otherwise: new, gone, another action, other content, another invitation', async () => {
    await plans(
      [create('a2', 1), create('a2', 2), create('a2', 3), create('a2', 4), create('a2', 5)],
      [
        create('b2', 1),
        // 2 is gone from Engage; 6 is new
        create('b2', 6),
        userEntry('b2', 3, 'adopt', 'planned', {
          visitor_id: 'v-3',
          attributes: ['*'],
          detail: { plan: 'p3' },
        }),
        create('b2', 4, 'p4-renamed'),
        create('b2', 5, 'p5', 'delayed'),
      ],
    );
    const diff = await store().planDifferences('a2', 'b2', 10);
    assert.equal(diff.total, 5);
    assert.deepEqual(
      diff.first.map((d) => [d.engageId, d.change, d.reviewed, d.now]),
      [
        [2, 'no longer planned', ['create'], []],
        [3, 'another action', ['create'], ['adopt']],
        [4, 'what it writes changed', ['create'], ['create']],
        [5, 'what it writes changed', ['create'], ['create']],
        [6, 'not in the reviewed plan', [], ['create']],
      ],
    );
    assert.equal((await store().planDifferences('a2', 'b2', 2)).first.length, 2, 'listed up to the limit');
    assert.equal((await store().planDifferences('a2', 'b2', 2)).total, 5, 'counted in full');
  });

  it("an operator's answer to a proposed location match is no difference; another location's is", async () => {
    const propose = (run: string, id: number, visitor: string) =>
      locationEntry(run, id, 'propose-match', 'planned', {
        visitor_id: visitor,
        detail: { reason: 'looks like' },
      });
    await plans(
      [propose('a3', 1, 'v-hq'), propose('a3', 2, 'v-annex'), propose('a3', 3, 'v-x')],
      [
        locationEntry('b3', 1, 'match', 'planned', {
          visitor_id: 'v-hq',
          detail: { default: true, by: 'operator' },
        }),
        locationEntry('b3', 2, 'create', 'planned', { detail: { refused_match: 'v-annex' } }),
        // matched to another Visitor location than the one reviewed
        locationEntry('b3', 3, 'match', 'planned', { visitor_id: 'v-y' }),
      ],
    );
    const diff = await store().planDifferences('a3', 'b3', 10);
    assert.deepEqual(
      diff.first.map((d) => [d.objectType, d.engageId, d.change]),
      [['location', 3, 'another action']],
    );
  });

  it('a page retried in either run (its users logged twice) is no difference; run entries are none either', async () => {
    await plans(
      [create('a4', 1), create('a4', 1), create('a4', 2)],
      [
        create('b4', 1),
        create('b4', 2),
        create('b4', 2),
        { ...create('b4', 1), object_type: 'run', engage_id: null },
      ],
    );
    assert.deepEqual(await store().planDifferences('a4', 'b4', 10), { total: 0, first: [] });
  });

  it('a user the fresh run could not plan (Visitor refused the lookup) is a difference, not silently applied', async () => {
    await plans(
      [create('a5', 1)],
      [userEntry('b5', 1, 'write', 'failed', { detail: { reason: 'visitor_rejected', status: 400 } })],
    );
    const diff = await store().planDifferences('a5', 'b5', 10);
    assert.deepEqual(
      diff.first.map((d) => [d.engageId, d.change]),
      [[1, 'another action']],
    );
  });

  it("a proposed match whose match now fails, or one of an ambiguous location's candidates, are judged as such", async () => {
    const propose = (
      run: string,
      id: number,
      detail: Record<string, unknown>,
      visitor: string | null = null,
    ) => locationEntry(run, id, 'propose-match', 'planned', { visitor_id: visitor, detail });
    await plans(
      [propose('a6', 1, { reason: 'looks like' }, 'v-hq'), propose('a6', 2, { candidates: ['v-a', 'v-b'] })],
      [
        locationEntry('b6', 1, 'match', 'planned', {
          visitor_id: 'v-hq',
          detail: { reason: 'no longer exists' },
        }),
        locationEntry('b6', 2, 'match', 'planned', { visitor_id: 'v-b', detail: { plan: 'x' } }),
      ],
    );
    const diff = await store().planDifferences('a6', 'b6', 10);
    assert.deepEqual(
      diff.first.map((d) => [d.engageId, d.change]),
      [[1, 'another action']],
    );
  });
});
