// The worker's probes (workers/health.ts) and its drain on SIGTERM, which the Helm chart relies on:
// /readyz 200 only while the Temporal workers poll, /healthz 200 while alive, and SIGTERM → ready no
// more → exit 0 within the worker's shutdownGraceTime (ready → not ready on a drain: the unit tests).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { health, startHealthServer } from '../../workers/health';
import { TEST_NAMESPACE, temporalAddress, uniqueTaskQueue } from '../support/temporal';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function get(port: number, p: string, method = 'GET') {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { method, signal: AbortSignal.timeout(2000) });
  return { status: res.status, text: await res.text() };
}

describe('worker probes', () => {
  it('health(): ready only when every worker runs; live unless one failed', () => {
    const of = (...states: string[]) => health({ states: () => states });
    assert.deepEqual(of(), { live: true, ready: false, detail: 'STARTING' });
    assert.equal(of('INITIALIZED', 'INITIALIZED').ready, false);
    assert.equal(of('RUNNING', 'INITIALIZED').ready, false);
    assert.deepEqual(of('RUNNING', 'RUNNING'), { live: true, ready: true, detail: 'RUNNING,RUNNING' });
    assert.deepEqual(of('STOPPING', 'RUNNING'), { live: true, ready: false, detail: 'STOPPING,RUNNING' });
    assert.equal(of('DRAINING', 'DRAINED').ready, false);
    assert.deepEqual(of('FAILED', 'RUNNING'), { live: false, ready: false, detail: 'FAILED,RUNNING' });
  });

  it('serves /healthz and /readyz from the current state; 404 elsewhere, 405 for writes', async () => {
    let states: string[] = [];
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', source: { states: () => states } });
    try {
      assert.equal((await get(server.port, '/healthz')).status, 200);
      const starting = await get(server.port, '/readyz');
      assert.equal(starting.status, 503);
      assert.match(starting.text, /STARTING/);
      states = ['RUNNING', 'RUNNING'];
      assert.equal((await get(server.port, '/readyz?verbose')).status, 200);
      assert.equal((await get(server.port, '/readyz', 'HEAD')).status, 200);
      states = ['STOPPING', 'STOPPING'];
      assert.equal((await get(server.port, '/readyz')).status, 503);
      assert.equal((await get(server.port, '/healthz')).status, 200);
      states = ['FAILED', 'STOPPED'];
      assert.equal((await get(server.port, '/healthz')).status, 503);
      assert.equal((await get(server.port, '/metrics')).status, 404);
      assert.equal((await get(server.port, '/healthz', 'POST')).status, 405);
    } finally {
      await server.close();
    }
    await assert.rejects(get(server.port, '/healthz'), 'closed server still answers');
  });
});

describe('worker process (npm start) with HEALTH_PORT', () => {
  const children: ReturnType<typeof spawn>[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('is live while it connects, ready once it polls Temporal, and drains on SIGTERM: exit 0, probes closed', async () => {
    const port = await freePort();
    // The command the image and the chart run (no npm in between, so the signal reaches node).
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: TEST_NAMESPACE,
        TEMPORAL_TASK_QUEUE: uniqueTaskQueue('health'),
        HEALTH_PORT: String(port),
        METRICS_PORT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    const exited = once(child, 'exit');

    // Liveness answers before the worker has connected; readiness only once it runs.
    let sawNotReady = false;
    const deadline = Date.now() + 90_000;
    for (;;) {
      assert.equal(child.exitCode, null, `the worker exited at start:\n${output}`);
      assert.ok(Date.now() < deadline, `never ready:\n${output}`);
      const ready = await get(port, '/readyz').catch(() => undefined);
      if (ready?.status === 503) sawNotReady = true;
      if (ready?.status === 200) break;
      await sleep(100);
    }
    assert.equal((await get(port, '/healthz')).status, 200);
    assert.match(output, /worker: running on task queue/);
    assert.match(output, new RegExp(`probes on :${port}/healthz`));
    // Not required (a fast start may skip it), but the first poll normally finds it starting.
    if (!sawNotReady) console.log('note: the worker was ready at the first probe');

    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    const [code, signal] = (await Promise.race([exited, sleep(20_000).then(() => ['timeout', null])])) as [
      number | string | null,
      string | null,
    ];
    assert.equal(code, 0, `SIGTERM did not end the worker cleanly (signal ${signal}):\n${output}`);
    // An idle worker drains at once; the chart's grace period (60 s) covers the 10 s activity grace.
    assert.ok(Date.now() - stoppedAt < 15_000, 'the drain took longer than the activity grace time');
    assert.match(output, /worker: stopped/);
    await assert.rejects(get(port, '/healthz'), 'the probe port outlived the worker');
  });
});
