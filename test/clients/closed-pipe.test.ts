// `npm run sync -- plan <run> | head`: a reader that stops early must not turn into an EPIPE stack
// trace and exit 1 — with a fake stream, and through a real `| head -1` after `stack:status`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { exitQuietlyWhenOutputCloses } from '../../clients/closed-pipe';

test('EPIPE on an output stream exits 0; any other stream error still throws', () => {
  const out = new EventEmitter();
  const exits: number[] = [];
  exitQuietlyWhenOutputCloses([out], (c) => exits.push(c));
  out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  assert.deepEqual(exits, [0]);
  assert.throws(() => out.emit('error', Object.assign(new Error('disk'), { code: 'EIO' })), /disk/);
});

test('a command piped into `head -1` exits 0 without a stack trace', () => {
  // `status` prints a dozen lines; once head has its line the next write meets a closed pipe (most
  // times: the race is the OS's, so three tries).
  const errFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'evs-pipe-')), 'stderr');
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(
      'bash',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, not a template
      ['-c', 'npx tsx dev/stack/cli.ts status 2>"$ERR" | head -1 >/dev/null; echo "${PIPESTATUS[0]}"'],
      { env: { ...process.env, ERR: errFile }, encoding: 'utf8' },
    );
    const stderr = fs.readFileSync(errFile, 'utf8');
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
    assert.equal(r.stdout.trim(), '0', stderr);
  }
});
