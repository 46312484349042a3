// The layer rule (.dependency-cruiser.cjs) must fail on a back-up import, not only pass on a clean tree:
// each case plants a one-file violation, runs the rule on that file alone, and removes it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(dir: string, source: string): { status: number | null; out: string } {
  const file = path.join(dir, `layer-probe-${process.pid}.ts`);
  fs.writeFileSync(path.join(ROOT, file), source);
  try {
    const res = spawnSync(BIN, ['--config', '.dependency-cruiser.cjs', file], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return { status: res.status, out: res.stdout + res.stderr };
  } finally {
    fs.rmSync(path.join(ROOT, file), { force: true });
  }
}

const cases: [string, string, string][] = [
  [
    'engine',
    "import { Context } from '@temporalio/activity';\nexport const f = () => Context.current();\n",
    'engine-imports-temporal-or-adapters',
  ],
  [
    'engine',
    "import { PgSyncStore } from '../state/sync-store';\nexport const S = PgSyncStore;\n",
    'engine-imports-temporal-or-adapters',
  ],
  [
    'activities',
    "import { progressOf } from '../workflows/progress';\nexport const p = progressOf;\n",
    'activities-import-workflows',
  ],
  [
    'domain',
    "import fs from 'node:fs';\nexport const read = fs.readFileSync;\n",
    'domain-uses-io-core-modules',
  ],
  ['domain', "import { createDb } from '../db/connect';\nexport const c = createDb;\n", 'domain-does-io'],
  [
    'scim',
    "import { startVisitorEmulator } from '../dev/emulator/server';\nexport const s = startVisitorEmulator;\n",
    'product-imports-dev-or-tests',
  ],
  [
    'workflows',
    "import { createDb } from '../db/connect';\nexport const c = createDb;\n",
    'workflows-import-non-deterministic-code',
  ],
  [
    'dev',
    "import { freshDatabase } from '../test/support/db';\nexport const f = freshDatabase;\n",
    'dev-imports-tests',
  ],
];

describe('layer rule', () => {
  for (const [dir, source, rule] of cases)
    it(`refuses ${rule} (${dir}/)`, () => {
      const r = cruise(dir, source);
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, new RegExp(`error ${rule}:`));
    });

  it('lets a workflow name the activities by type only', () => {
    const r = cruise(
      'workflows',
      "import type { SyncActivities } from '../activities/sync';\nexport type A = SyncActivities;\n",
    );
    assert.equal(r.status, 0, r.out);
  });
});
