import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pool } from '../../engine/pool';

describe('pool', () => {
  it('runs every item, never more than the limit at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await pool([...Array(25).keys()], 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(i % 3);
      inFlight--;
      done.push(i);
    });
    assert.equal(peak, 4);
    assert.deepEqual(
      done.sort((a, b) => a - b),
      [...Array(25).keys()],
    );
  });

  it('starts nothing after a failure, and rejects only once the started items have settled', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const failure = new Error('item 2 failed');
    await assert.rejects(
      pool([0, 1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
        started.push(i);
        if (i === 2) throw failure;
        await sleep(20);
        settled.push(i);
      }),
      (err) => err === failure,
    );
    // 0, 1 and 2 start together; 2 fails at once, so its lane takes nothing more, and the others
    // finish what they started before the pool rejects.
    assert.deepEqual(started, [0, 1, 2]);
    assert.deepEqual(settled.sort(), [0, 1]);
  });

  it('rejects with the first failure when several fail', async () => {
    await assert.rejects(
      pool([1, 2, 3], 3, async (i) => {
        await sleep(i * 5);
        throw new Error(`failed ${i}`);
      }),
      /failed 1/,
    );
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await pool([], 4, async () => {
      calls++;
    });
    assert.equal(calls, 0);
  });
});
