// The worker's log lines: one per message, no colour codes, routine core messages at DEBUG.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEntry } from '@temporalio/worker';
import { effectiveLevel, formatLogLine, lineLogFunction } from '../../temporal/log-lines';

const at = BigInt(Date.parse('2026-12-03T10:00:00.000Z')) * 1_000_000n;
const entry = (over: Partial<LogEntry>): LogEntry => ({
  level: 'INFO',
  message: 'm',
  timestampNanos: at,
  ...over,
});

test('a message and its fields make one line, without colour codes or raw newlines', () => {
  const line = formatLogLine(
    entry({
      message: '\u001b[31mActivity failed\u001b[0m\nsecond line',
      meta: {
        workflowId: 'daily-sync-x',
        attempt: 2,
        error: new Error('boom'),
        n: 5n,
        taskToken: 'CiQwMWEy',
      },
    }),
  );
  assert.equal(
    line,
    '2026-12-03T10:00:00.000Z INFO Activity failed\\nsecond line {"workflowId":"daily-sync-x","attempt":2,"error":{"name":"Error","message":"boom"},"n":"5"}',
  );
  assert.ok(!line.includes('\n') && !line.includes('\u001b'));
});

test("core's 'Query not found' (every `sync watch` poll of a closed run) is DEBUG, not a warning", () => {
  assert.equal(effectiveLevel({ level: 'WARN', message: 'Query not found for workflow x' }), 'DEBUG');
  assert.equal(effectiveLevel({ level: 'WARN', message: 'Activity task failed' }), 'WARN');
  const lines: string[] = [];
  const log = lineLogFunction('INFO', (l) => lines.push(l));
  log(entry({ level: 'WARN', message: 'Query not found' }));
  log(entry({ level: 'DEBUG', message: 'detail' }));
  log(entry({ level: 'WARN', message: 'real warning' }));
  assert.deepEqual(lines, ['2026-12-03T10:00:00.000Z WARN real warning']);
  const debug: string[] = [];
  lineLogFunction('DEBUG', (l) => debug.push(l))(entry({ level: 'WARN', message: 'Query not found' }));
  assert.deepEqual(debug, ['2026-12-03T10:00:00.000Z DEBUG Query not found']);
});
