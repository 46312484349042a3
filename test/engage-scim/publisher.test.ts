import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startPublisher } from '../../engage-scim/publisher';
import { TEST_NAMESPACE, temporalAddress, uniqueTaskQueue } from '../support/temporal';
import { newUser, PATCH, type ScimHarness, scimHarness } from './support';

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const clientAt = async (address: string) =>
  new Client({
    connection: await Connection.connect({ address, connectTimeout: '2s' }),
    namespace: TEST_NAMESPACE,
  });

async function until<T>(what: string, f: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Engage SCIM change publisher', () => {
  let h: ScimHarness;
  let real: Client;
  const taskQueue = uniqueTaskQueue('engage-scim');
  const started: string[] = [];
  before(async () => {
    h = await scimHarness('publisher');
    real = await clientAt(temporalAddress());
  });
  after(async () => {
    for (const id of started)
      await real.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => {});
    await real.connection.close();
    await h.close();
  });

  const pending = () =>
    h.db.db
      .selectFrom('engage.change_outbox')
      .selectAll()
      .where('delivered_at', 'is', null)
      .orderBy('id')
      .execute();

  it('keeps changes while Temporal is down and delivers them, one signal per user, when it is back', async () => {
    const a = await h.call('POST', '/Users', newUser('pub-a@example.com'));
    const b = await h.call('POST', '/Users', newUser('pub-b@example.com'));
    await h.call('PATCH', `/Users/${a.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    // A no-op PUT publishes nothing.
    const before = (await pending()).length;
    await h.call('PUT', `/Users/${b.body.id}`, newUser('pub-b@example.com'));
    assert.equal((await pending()).length, before);
    assert.equal(before, 3);

    const port = await closedPort();
    let connects = 0;
    const down = startPublisher({
      db: h.db.db,
      connectionFactory: () => {
        connects++;
        return clientAt(`127.0.0.1:${port}`);
      },
      taskQueue,
      intervalMs: 20,
      baseBackoffMs: 10,
      maxBackoffMs: 50,
      log: () => {},
    });
    await until('failed attempts', async () => (await pending()).every((r) => r.attempts >= 2));
    await down.stop();
    const rows = await pending();
    assert.equal(rows.length, 3, 'nothing lost');
    assert.ok(rows.every((r) => r.last_error && r.delivered_at === null));
    assert.ok(connects >= 2, 'reconnects after a failure');

    const up = startPublisher({
      db: h.db.db,
      temporalClient: real,
      taskQueue,
      intervalMs: 20,
      baseBackoffMs: 10,
      maxBackoffMs: 50,
      log: () => {},
    });
    try {
      await until('delivery', async () => (await pending()).length === 0);
    } finally {
      await up.stop();
    }
    for (const id of [a.body.id, b.body.id]) {
      const wf = `provision-user-${id}`;
      started.push(wf);
      const d = await real.workflow.getHandle(wf).describe();
      assert.equal(d.type, 'provisionUserWorkflow');
      assert.equal(d.taskQueue, taskQueue);
    }
    // Two rows of user a went out as one signal: the workflow history holds one userChanged for it.
    const history = await real.workflow.getHandle(`provision-user-${a.body.id}`).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.workflowExecutionSignaledEventAttributes!.signalName, 'userChanged');
  });

  it('delivers the users of a batch side by side, and one whose delivery fails keeps its row while the others go', async () => {
    const ids: string[] = [];
    let inFlight = 0;
    let most = 0;
    // The real client, watched: how many deliveries overlap, and one refused as Temporal might.
    const watched = {
      workflow: {
        signalWithStart: async (...args: Parameters<Client['workflow']['signalWithStart']>) => {
          inFlight++;
          most = Math.max(most, inFlight);
          try {
            if (args[1].workflowId === `provision-user-${ids[2]}`) throw new Error('namespace is throttled');
            return await real.workflow.signalWithStart(...args);
          } finally {
            inFlight--;
          }
        },
      },
    } as unknown as Client;
    const pub = startPublisher({
      db: h.db.db,
      temporalClient: watched,
      taskQueue,
      intervalMs: 3_600_000,
      deliveryConcurrency: 4,
      log: () => {},
    });
    try {
      // Its first (empty) poll passes, so the batch below is this call's alone.
      await pub.publishOnce();
      for (let i = 0; i < 6; i++)
        ids.push((await h.call('POST', '/Users', newUser(`pub-par-${i}@example.com`))).body.id);
      assert.equal(await pub.publishOnce(), 5);
    } finally {
      await pub.stop();
    }
    started.push(...ids.map((id) => `provision-user-${id}`));
    assert.equal(most, 4, 'four deliveries at once');
    const left = await pending();
    assert.deepEqual(
      left.map((r) => String(r.engage_user_id)),
      [ids[2]],
    );
    assert.equal(left[0]!.attempts, 1);
    assert.match(left[0]!.last_error ?? '', /throttled/);
    for (const id of ids.filter((x) => x !== ids[2]))
      assert.equal(
        (await real.workflow.getHandle(`provision-user-${id}`).describe()).type,
        'provisionUserWorkflow',
      );
    // Delivered later, so the suite leaves nothing pending.
    const again = startPublisher({
      db: h.db.db,
      temporalClient: real,
      taskQueue,
      intervalMs: 20,
      baseBackoffMs: 10,
      log: () => {},
    });
    try {
      await until('the refused row', async () => (await pending()).length === 0);
    } finally {
      await again.stop();
    }
  });

  it('is woken by the server after a write', async () => {
    const pub = startPublisher({
      db: h.db.db,
      temporalClient: real,
      taskQueue,
      intervalMs: 3_600_000,
      log: () => {},
    });
    // Let its first (empty) poll pass, so only a wake can deliver what follows.
    await pub.publishOnce();
    const server = await import('../../engage-scim/server').then((m) =>
      m.startEngageScimServer({ db: h.db.db, publisher: pub, rateLimit: false, log: () => {} }),
    );
    try {
      const r = await fetch(`${server.baseUrl}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${h.token}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify(newUser('pub-c@example.com')),
      });
      const { id } = (await r.json()) as { id: string };
      started.push(`provision-user-${id}`);
      await until('woken delivery', async () => (await pending()).length === 0);
    } finally {
      await server.close();
      await pub.stop();
    }
  });
});
