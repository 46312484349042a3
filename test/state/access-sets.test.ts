// Owned-access sets: stored once by content, loaded as one shared frozen object per digest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessSets } from '../../state/access-sets';
import { syncDatabase } from './fixtures';

const { db } = syncDatabase('access_sets');

const rows = async () => (await db().selectFrom('sync.access_sets').selectAll().execute()).length;

describe('AccessSets', () => {
  it('keys a set by its content, whatever the order of its entries', () => {
    const sets = new AccessSets(db());
    const a = sets.digestOf({ 'loc-1': 'regular', 'loc-2': 'admin' });
    const b = sets.digestOf({ 'loc-2': 'admin', 'loc-1': 'regular' });
    assert.equal(a, b);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, sets.digestOf({ 'loc-1': 'admin', 'loc-2': 'admin' }));
    assert.notEqual(sets.digestOf({}), a);
  });

  it('stores each distinct set once, however many processes save it', async () => {
    const before = await rows();
    const one = new AccessSets(db());
    const other = new AccessSets(db()); // another worker: its own "already stored" cache
    const d1 = await one.save({ 'loc-9': 'regular' });
    const d2 = await one.save({ 'loc-9': 'regular' });
    const d3 = await other.save({ 'loc-9': 'regular' });
    assert.equal(d1, d2);
    assert.equal(d1, d3);
    assert.equal(await rows(), before + 1);
  });

  it('loads one frozen object per digest, shared by every later load', async () => {
    const writer = new AccessSets(db());
    const dA = await writer.save({ 'loc-1': 'regular', 'loc-2': 'admin' });
    const dB = await writer.save({ 'loc-3': 'regular' });
    const reader = new AccessSets(db());
    const first = await reader.load([dA, dB, dA]);
    assert.equal(first.size, 2);
    assert.deepEqual(first.get(dA), { 'loc-1': 'regular', 'loc-2': 'admin' });
    assert.ok(Object.isFrozen(first.get(dA)));
    const second = await reader.load([dA]);
    assert.equal(second.get(dA), first.get(dA), 'the same object, not an equal one');
    // A loaded object's digest is known without hashing it again, and matches.
    assert.equal(reader.digestOf(first.get(dB)!), dB);
  });

  it('gives concurrent loads of a digest the same object too', async () => {
    const d = await new AccessSets(db()).save({ 'loc-7': 'admin' });
    const reader = new AccessSets(db());
    const [x, y] = await Promise.all([reader.load([d]), reader.load([d])]);
    assert.equal(x.get(d), y.get(d));
  });

  it('leaves out a digest that is not stored', async () => {
    const reader = new AccessSets(db());
    const d = await reader.save({ 'loc-5': 'regular' });
    const got = await reader.load(['0'.repeat(64), d]);
    assert.deepEqual([...got.keys()], [d]);
  });
});
