import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteCoalescer } from '../../state/write-coalescer';

interface Row {
  id: number;
  shape?: string;
  v?: string;
}

/** A fake statement runner: records each statement's rows, lets the test release them one by one. */
function recorder(opts: { failWhen?: (rows: Row[]) => boolean; maxBatch?: number; lingerMs?: number } = {}) {
  const statements: Row[][] = [];
  const gates: (() => void)[] = [];
  const coalescer = new WriteCoalescer<Row>({
    key: (r) => r.id,
    shape: (r) => r.shape ?? 'a',
    ...(opts.maxBatch ? { maxBatch: opts.maxBatch } : {}),
    ...(opts.lingerMs ? { lingerMs: opts.lingerMs } : {}),
    write: async (rows) => {
      statements.push(rows);
      await new Promise<void>((release) => gates.push(release));
      if (opts.failWhen?.(rows)) throw new Error(`refused ${rows.map((r) => r.id).join(',')}`);
    },
  });
  const releaseAll = async () => {
    // Release statements as they come until the queue is drained.
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setImmediate(r));
      while (gates.length) gates.shift()!();
    }
  };
  /** Releases statements as they come until these writes have all settled. */
  const settle = async (writes: Promise<void>[]) => {
    let done = false;
    const all = Promise.allSettled(writes).then(() => {
      done = true;
    });
    while (!done) {
      while (gates.length) gates.shift()!();
      await new Promise((r) => setTimeout(r, 1));
    }
    await all;
  };
  return { coalescer, statements, releaseAll, settle };
}

describe('WriteCoalescer (group commit)', () => {
  it('writes a lone row at once, and rows arriving meanwhile together in the next statement', async () => {
    const { coalescer, statements, releaseAll } = recorder();
    const first = coalescer.write({ id: 1 });
    const rest = [2, 3, 4].map((id) => coalescer.write({ id }));
    await releaseAll();
    await Promise.all([first, ...rest]);
    assert.deepEqual(
      statements.map((s) => s.map((r) => r.id)),
      [[1], [2, 3, 4]],
    );
  });

  it('never puts one key twice in a statement and keeps the order of one key across shapes', async () => {
    const { coalescer, statements, releaseAll } = recorder();
    const all = [
      coalescer.write({ id: 0 }), // runs alone; the rest queue behind it
      coalescer.write({ id: 1, v: 'first' }),
      coalescer.write({ id: 2, shape: 'b' }),
      coalescer.write({ id: 1, v: 'second' }),
      coalescer.write({ id: 2, shape: 'a', v: 'after b' }),
      coalescer.write({ id: 3 }),
    ];
    await releaseAll();
    await Promise.all(all);
    const order = statements.map((s) => s.map((r) => `${r.id}${r.v ? `:${r.v}` : ''}/${r.shape ?? 'a'}`));
    assert.deepEqual(order, [['0/a'], ['1:first/a', '3/a'], ['2/b'], ['1:second/a', '2:after b/a']]);
    for (const s of statements) assert.equal(new Set(s.map((r) => r.id)).size, s.length);
  });

  it('caps a statement at maxBatch rows', async () => {
    const { coalescer, statements, releaseAll } = recorder({ maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((id) => coalescer.write({ id }));
    await releaseAll();
    await Promise.all(all);
    assert.deepEqual(
      statements.map((s) => s.length),
      [1, 2, 2],
    );
  });

  it('when a statement fails, its rows are retried one by one: each caller gets its own outcome', async () => {
    const { coalescer, statements, releaseAll } = recorder({
      failWhen: (rows) => rows.some((r) => r.id === 3),
    });
    const first = coalescer.write({ id: 1 });
    const results = [2, 3, 4].map((id) =>
      coalescer.write({ id }).then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    await releaseAll();
    await first;
    assert.deepEqual(await Promise.all(results), ['ok', 'refused 3', 'ok']);
    assert.deepEqual(
      statements.map((s) => s.map((r) => r.id)),
      [[1], [2, 3, 4], [2], [3], [4]],
    );
    // And it keeps working afterwards.
    const later = coalescer.write({ id: 9 });
    await releaseAll();
    await later;
    assert.deepEqual(statements.at(-1), [{ id: 9 }]);
  });

  it('refuses a batch cap below 1, and fails waiting writes when a row cannot be keyed', async () => {
    assert.throws(
      () =>
        new WriteCoalescer<Row>({ key: (r) => r.id, shape: () => 'a', maxBatch: 0, write: async () => {} }),
      RangeError,
    );
    const c = new WriteCoalescer<Row>({
      key: (r) => {
        if (r.id < 0) throw new Error('no key');
        return r.id;
      },
      shape: () => 'a',
      write: async () => {},
    });
    await assert.rejects(c.write({ id: -1 }), /no key/);
    await c.write({ id: 1 }); // still usable
  });

  it('with a linger, rows arriving within it share the first statement too', async () => {
    const { coalescer, statements, settle } = recorder({ lingerMs: 40 });
    const writes = [coalescer.write({ id: 1 })];
    await new Promise((r) => setTimeout(r, 5));
    writes.push(coalescer.write({ id: 2 }), coalescer.write({ id: 3 }));
    await settle(writes);
    assert.deepEqual(
      statements.map((s) => s.map((r) => r.id)),
      [[1, 2, 3]],
    );
  });

  it('with a linger, a full batch starts at once and a lone row still gets written', {
    timeout: 5000,
  }, async () => {
    const { coalescer, statements, settle } = recorder({ lingerMs: 60_000, maxBatch: 3 });
    await settle([1, 2, 3].map((id) => coalescer.write({ id })));
    assert.deepEqual(
      statements.map((s) => s.map((r) => r.id)),
      [[1, 2, 3]],
    );
    const short = recorder({ lingerMs: 5 });
    await short.settle([short.coalescer.write({ id: 9 })]);
    assert.deepEqual(short.statements, [[{ id: 9 }]]);
  });

  it('refuses a negative linger', () => {
    assert.throws(
      () =>
        new WriteCoalescer<Row>({ key: (r) => r.id, shape: () => 'a', write: async () => {}, lingerMs: -1 }),
      /lingerMs/,
    );
  });
});
