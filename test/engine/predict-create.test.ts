// engine/predict-create.ts: a dry run says of a user it would create what the real run would do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planDigest, predictCreate } from '../../engine/predict-create';
import { loadVisitorUserIndex, MAX_INDEXED_USERS, visitorUsersFor } from '../../engine/visitor-user-index';
import { fakeWorld } from './fakes';

const plan = (id: number, userName = `user${id}@example.com`) =>
  ({
    kind: 'create',
    engageUserId: id,
    user: { externalId: String(id), userName },
    fingerprint: `fp-${id}`,
  }) as never;
const send = { mode: 'send' } as const;

describe('predictCreate', () => {
  it('a user Visitor does not hold is created, invited as the policy says', async () => {
    const w = fakeWorld();
    assert.deepEqual(await predictCreate(w.engine, 1, plan(1), send), {
      action: 'create',
      visitorId: null,
      invitation: 'now',
    });
    assert.equal(
      (await predictCreate(w.engine, 1, plan(1), { mode: 'delay', delayMs: 1 })).invitation,
      'delayed:1',
    );
    assert.equal((await predictCreate(w.engine, 1, plan(1), { mode: 'disabled' })).invitation, 'none');
    assert.equal(w.visitor.count('createUser'), 0, 'reads only');
  });

  it('a Visitor user with the same userName (onboarded by hand) is adopted, never invited again', async () => {
    const w = fakeWorld();
    const seeded = w.visitor.seedUser('USER2@example.com');
    assert.deepEqual(await predictCreate(w.engine, 2, plan(2), send), {
      action: 'adopt',
      visitorId: seeded.id,
      invitation: 'none',
    });
  });

  it('one that carries our externalId (an earlier attempt created it) is adopted and still ours to invite', async () => {
    const w = fakeWorld();
    const seeded = w.visitor.seedUser('renamed@example.com', { externalId: '3' });
    assert.deepEqual(await predictCreate(w.engine, 3, plan(3), send), {
      action: 'adopt',
      visitorId: seeded.id,
      invitation: 'now',
    });
  });

  it("one that is another Engage user's is a planned failure, as the real create would fail it", async () => {
    const w = fakeWorld();
    const seeded = w.visitor.seedUser('user4@example.com', { externalId: '99' });
    const p = await predictCreate(w.engine, 4, plan(4), send);
    assert.deepEqual([p.action, p.visitorId, p.invitation], ['fail', seeded.id, 'none']);
    assert.match(p.reason ?? '', /belongs to another Engage user/);
  });
});

describe('planDigest', () => {
  it('names what a plan writes: the fingerprint, with the reason of a deprovisioning', () => {
    assert.equal(planDigest(plan(1)), 'fp-1');
    assert.equal(
      planDigest({ kind: 'delete', reason: 'deleted_in_engage', nextState: { fingerprint: 'x' } } as never),
      'deleted_in_engage:x',
    );
    assert.equal(planDigest({ kind: 'skip', reason: 'unchanged' } as never), null);
  });
});

describe('the Visitor user index of a dry run', () => {
  it('answers as the look-ups would, from one listing, for every create of the run', async () => {
    const w = fakeWorld();
    const byHand = w.visitor.seedUser('USER2@example.com');
    const ours = w.visitor.seedUser('renamed@example.com', { externalId: '3' });
    const index = await loadVisitorUserIndex(w.visitor);
    assert.ok(index);
    w.visitor.calls = [];
    assert.deepEqual(await predictCreate(w.engine, 1, plan(1), send, index), {
      action: 'create',
      visitorId: null,
      invitation: 'now',
    });
    assert.equal((await predictCreate(w.engine, 2, plan(2), send, index)).visitorId, byHand.id);
    assert.deepEqual(
      [
        (await predictCreate(w.engine, 3, plan(3), send, index)).action,
        (await predictCreate(w.engine, 3, plan(3), send, index)).invitation,
      ],
      ['adopt', 'now'],
    );
    assert.equal(ours.externalId, '3');
    assert.deepEqual(w.visitor.calls, [], 'no look-up per user');
  });

  it('is shared by the pages of a run and not held past the limit of users', async () => {
    const w = fakeWorld();
    w.visitor.seedUser('a@example.com');
    const [a, b] = await Promise.all([
      visitorUsersFor(w.engine, 'run-1'),
      visitorUsersFor(w.engine, 'run-1'),
    ]);
    assert.equal(a, b);
    assert.equal(w.visitor.count('listUsers'), 1);
    const many = {
      async *listUsers() {
        yield { resources: [], startIndex: 1, totalResults: MAX_INDEXED_USERS + 1 };
      },
    };
    assert.equal(await loadVisitorUserIndex(many as never), null);
  });
});
