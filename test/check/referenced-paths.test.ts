// Files that the deployment and the npm scripts name by path must exist: a move (such as dev tooling
// into dev/) would otherwise break `docker compose up` or an npm script with nothing here to notice.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
/** Repository-relative source paths named in a text (e.g. `dev/emulator/main.ts`, `workers/bundle.ts`). */
const sourcePaths = (text: string) => [
  ...new Set(
    [...text.matchAll(/(?<![\w./-])((?:[\w-]+\/)+[\w.-]+\.(?:ts|mjs|cjs|sql))\b/g)].map((m) => m[1]!),
  ),
];

describe('paths named by the deployment and the npm scripts exist', () => {
  const scripts = Object.values(JSON.parse(read('package.json')).scripts as Record<string, string>).join(
    '\n',
  );
  for (const [file, text] of [
    ['docker-compose.yml', read('docker-compose.yml')],
    ['Dockerfile', read('Dockerfile')],
    ['package.json scripts', scripts],
    ['.ci/run', read('.ci/run')],
  ] as const)
    it(file, () => {
      const named = sourcePaths(text);
      assert.ok(named.length > 0 || file === '.ci/run', `${file} names no source path: the pattern is wrong`);
      for (const p of named)
        assert.ok(fs.existsSync(path.join(ROOT, p)), `${file} names ${p}, which does not exist`);
    });
});
