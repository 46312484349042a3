// The layer rule (.dependency-cruiser.cjs) must fail on a back-up import, not only pass on a clean tree:
// it plants one-file violations (one per rule), runs the rule once over them, and removes them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

interface Probe {
  dir: string;
  source: string;
  /** The rule it must break; undefined: it must pass. */
  rule?: string;
}

const probes: Probe[] = [
  {
    dir: 'engine',
    source: "import { Context } from '@temporalio/activity';\nexport const f = () => Context.current();\n",
    rule: 'engine-imports-temporal-or-adapters',
  },
  {
    dir: 'engine',
    source: "import { PgSyncStore } from '../state/sync-store';\nexport const S = PgSyncStore;\n",
    rule: 'engine-imports-temporal-or-adapters',
  },
  {
    dir: 'activities',
    source: "import { progressOf } from '../workflows/progress';\nexport const p = progressOf;\n",
    rule: 'activities-import-workflows',
  },
  {
    dir: 'domain',
    source: "import fs from 'node:fs';\nexport const read = fs.readFileSync;\n",
    rule: 'domain-uses-io-core-modules',
  },
  {
    dir: 'domain',
    source: "import { createDb } from '../db/connect';\nexport const c = createDb;\n",
    rule: 'domain-does-io',
  },
  {
    dir: 'scim',
    source:
      "import { startVisitorEmulator } from '../dev/emulator/server';\nexport const s = startVisitorEmulator;\n",
    rule: 'product-imports-dev-or-tests',
  },
  {
    dir: 'workflows',
    source: "import { createDb } from '../db/connect';\nexport const c = createDb;\n",
    rule: 'workflows-import-non-deterministic-code',
  },
  {
    dir: 'dev',
    source: "import { TEST_NAMESPACE } from '../test/support/temporal';\nexport const n = TEST_NAMESPACE;\n",
    rule: 'dev-imports-tests',
  },
  {
    dir: 'workflows',
    source: "import type { SyncActivities } from '../activities/sync';\nexport type A = SyncActivities;\n",
  },
];

const fileOf = (p: Probe, i: number) => path.join(p.dir, `layer-probe-${process.pid}-${i}.ts`);
let output = '';

describe('layer rule', () => {
  before(() => {
    for (const [i, p] of probes.entries()) fs.writeFileSync(path.join(ROOT, fileOf(p, i)), p.source);
    const res = spawnSync(BIN, ['--config', '.dependency-cruiser.cjs', ...probes.map(fileOf)], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    output = res.stdout + res.stderr;
    assert.notEqual(res.status, 0, output);
  });
  after(() => {
    for (const [i, p] of probes.entries()) fs.rmSync(path.join(ROOT, fileOf(p, i)), { force: true });
  });

  probes.forEach((p, i) => {
    const file = fileOf(p, i).replaceAll('.', '\\.');
    if (p.rule)
      it(`refuses ${p.rule} (${p.dir}/)`, () => {
        assert.match(output, new RegExp(`error ${p.rule}: ${file} →`));
      });
    else
      it(`lets ${p.dir}/ name the activities by type only`, () => {
        assert.doesNotMatch(output, new RegExp(`: ${file} →`));
      });
  });
});
