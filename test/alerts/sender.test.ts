// The webhook sender against a real HTTP receiver: retries on 5xx, 429 and network errors, gives up
// at once on other 4xx, and never shows the URL (a secret).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { sendWebhook, webhookLabel } from '../../alerts/sender';
import { startReceiver } from './receiver';

const fast = { backoffMs: [10, 10], timeoutMs: 2_000 };

describe('alerts: webhook sender', () => {
  it('posts the body as JSON', async () => {
    const r = await startReceiver([200]);
    try {
      assert.deepEqual(await sendWebhook(r.url, { text: 'hi' }, fast), { outcome: 'sent', attempts: 1 });
      assert.deepEqual(r.bodies, [{ text: 'hi' }]);
    } finally {
      await r.close();
    }
  });

  it('500 then 200: sent on the second attempt', async () => {
    const r = await startReceiver([500, 200]);
    try {
      assert.deepEqual(await sendWebhook(r.url, { text: 'hi' }, fast), { outcome: 'sent', attempts: 2 });
      assert.equal(r.bodies.length, 2);
    } finally {
      await r.close();
    }
  });

  it('429: waits the Retry-After it asks for (capped), then retries', async () => {
    const r = await startReceiver([429, 200], { 'retry-after': '1' });
    const waits: number[] = [];
    try {
      const res = await sendWebhook(
        r.url,
        { text: 'hi' },
        { ...fast, sleep: async (ms) => void waits.push(ms) },
      );
      assert.equal(res.outcome, 'sent');
      assert.deepEqual(waits, [1_000]);
    } finally {
      await r.close();
    }
  });

  it('400 is permanent: one attempt, refused', async () => {
    const r = await startReceiver([400, 200]);
    try {
      const res = await sendWebhook(r.url, { text: 'hi' }, fast);
      assert.deepEqual(res, { outcome: 'refused', attempts: 1, detail: 'HTTP 400' });
      assert.equal(r.bodies.length, 1);
    } finally {
      await r.close();
    }
  });

  it('503 every time: failed after every retry', async () => {
    const r = await startReceiver([503]);
    try {
      assert.deepEqual(await sendWebhook(r.url, {}, fast), {
        outcome: 'failed',
        attempts: 3,
        detail: 'HTTP 503',
      });
      assert.equal(r.bodies.length, 3);
    } finally {
      await r.close();
    }
  });

  it('a receiver that does not answer times out; the error names no URL', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = http.createServer(() => {});
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hooks/secret-token-xyz`;
    try {
      const res = await sendWebhook(url, {}, { backoffMs: [10], timeoutMs: 200 });
      assert.equal(res.outcome, 'failed');
      assert.equal(res.attempts, 2);
      assert.ok(res.outcome === 'failed' && /timed out/.test(res.detail), JSON.stringify(res));
      assert.doesNotMatch(JSON.stringify(res), /secret-token/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('network errors (nothing listening) are retried and described without the URL', async () => {
    const r = await startReceiver();
    const url = r.url;
    await r.close();
    const res = await sendWebhook(url, {}, fast);
    assert.equal(res.outcome, 'failed');
    assert.equal(res.attempts, 3);
    assert.ok(res.outcome === 'failed' && /ECONNREFUSED/.test(res.detail), JSON.stringify(res));
    assert.doesNotMatch(JSON.stringify(res), /secret-token/);
    // A URL that does not parse: fetch quotes it in its message; the detail does not.
    const bad = await sendWebhook('http://[bad/secret-token-xyz', {}, fast);
    assert.doesNotMatch(JSON.stringify(bad), /secret-token/);
    assert.equal(webhookLabel('https://hooks.slack.com/services/T/B/secret'), 'hooks.slack.com');
  });
});
