// The Prometheus alert rules (deploy/prometheus/alerts.yml), offline: `promtool check rules`, the
// rules' unit tests (`promtool test rules alerts.test.yml`), every alert tested firing, and the Grafana
// dashboard's queries parse as PromQL. promtool is built from the Go module proxy into .tools/bin on
// first use (dev/stack/promtool.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensurePromtool, runPromtool } from '../../dev/stack/promtool';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const RULES_DIR = path.join(ROOT, 'deploy', 'prometheus');
const RULES = path.join(RULES_DIR, 'alerts.yml');
const RULES_TESTS = path.join(RULES_DIR, 'alerts.test.yml');
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'engage-visitor-sync.json');

let promtool: string;
let work: string;

before(() => {
  promtool = ensurePromtool((m) => console.log(m));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'evs-promtool-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const alertNames = () =>
  [...fs.readFileSync(RULES, 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]!);

describe('prometheus rules', () => {
  it('promtool check rules: every rule parses, no duplicates, templates valid', () => {
    const res = runPromtool(promtool, ['check', 'rules', RULES]);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    const found = /SUCCESS: (\d+) rules found/.exec(res.stdout);
    assert.ok(found, res.stdout);
    assert.equal(Number(found[1]), alertNames().length);
    assert.ok(alertNames().length >= 9, alertNames().join(', '));
  });

  it('promtool test rules: the unit tests in alerts.test.yml pass', () => {
    const res = runPromtool(promtool, ['test', 'rules', RULES_TESTS], RULES_DIR);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /SUCCESS/);
  });

  it('every alert is tested firing, with its summary and description', () => {
    const tests = fs.readFileSync(RULES_TESTS, 'utf8');
    for (const name of alertNames()) {
      const firing = new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`);
      assert.match(tests, firing, `${name} is never expected to fire in alerts.test.yml`);
    }
    const rules = fs.readFileSync(RULES, 'utf8');
    assert.equal((rules.match(/^\s+summary: /gm) ?? []).length, alertNames().length, 'a summary per alert');
    assert.equal(
      (rules.match(/^\s+description: /gm) ?? []).length,
      alertNames().length,
      'a description per alert',
    );
  });

  it('a broken rule file is refused (the check can fail)', () => {
    const broken = path.join(work, 'broken.yml');
    fs.writeFileSync(
      broken,
      'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum by (tenant (evs_quarantined_users)\n',
    );
    const res = runPromtool(promtool, ['check', 'rules', broken]);
    assert.notEqual(res.status, 0, res.stdout);
    assert.match(res.stdout + res.stderr, /parse error|unexpected/);
  });

  it("the Grafana dashboard's queries parse as PromQL (as recording rules, variables filled in)", () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) =>
      (p.targets ?? []).map((t) => t.expr),
    );
    assert.ok(exprs.length >= 10);
    const filled = exprs.map((e) => e.replaceAll('$__rate_interval', '5m').replaceAll('$tenant', '.*'));
    for (const e of filled) assert.doesNotMatch(e, /\$/, `an unknown variable in ${e}`);
    const file = path.join(work, 'dashboard-queries.yml');
    fs.writeFileSync(
      file,
      `groups:\n  - name: dashboard\n    rules:\n${filled
        .map((e, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(e)}\n`)
        .join('')}`,
    );
    const res = runPromtool(promtool, ['check', 'rules', file]);
    assert.equal(res.status, 0, res.stdout + res.stderr);
  });
});
