// The Grafana dashboard (deploy/grafana/engage-visitor-sync.json): it imports (schema, datasource
// variable, tenant variable), its panels are laid out on the 24-column grid without overlap, and every
// query — like every alert rule — names only metrics the worker and the Engage SCIM API expose.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'engage-visitor-sync.json');
const RULES = path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml');

/** Every metric the service exposes (observability/metrics.ts, engage-scim): the one list. */
const KNOWN_METRICS = new Set([
  // worker
  'evs_runs_total',
  'evs_last_success_timestamp_seconds',
  'evs_schedule_interval_seconds',
  'evs_runs_awaiting_decision',
  'evs_quarantined_users',
  'evs_failing_users',
  'evs_visitor_scim_requests_total',
  'evs_visitor_scim_request_duration_seconds',
  'evs_visitor_scim_retries_total',
  'evs_users_total',
  'evs_deletion_decisions_total',
  'evs_run_duration_seconds',
  'evs_change_feed_lag_seconds',
  // Engage SCIM API
  'evs_engage_scim_requests_total',
  'evs_engage_scim_outbox_backlog',
  'evs_engage_scim_outbox_oldest_seconds',
]);
const HISTOGRAMS = new Set(['evs_visitor_scim_request_duration_seconds', 'evs_run_duration_seconds']);
/** Series of the Engage SCIM API: one per deployment, no tenant label. */
const UNTENANTED = /^evs_engage_scim_/;

// biome-ignore lint/suspicious/noExplicitAny: the dashboard's JSON model
type Json = any;

const dashboard: Json = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8'));
const panels: Json[] = dashboard.panels;
const targets = (): { panel: string; expr: string }[] =>
  panels.flatMap((p) => (p.targets ?? []).map((t: Json) => ({ panel: p.title, expr: t.expr })));

/** The evs_* names a query or rule uses, histogram series suffixes resolved to their metric. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bevs_[a-z0-9_]+/g)].map((m) => {
    const name = m[0];
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return HISTOGRAMS.has(base) && base !== name ? base : name;
  });
}

describe('grafana dashboard', () => {
  it('imports: schemaVersion ≥ 39, a uid, a Prometheus datasource variable every panel and query uses', () => {
    assert.ok(dashboard.schemaVersion >= 39, `schemaVersion ${dashboard.schemaVersion}`);
    assert.equal(dashboard.uid, 'engage-visitor-sync');
    assert.ok(dashboard.title);
    const vars = new Map<string, Json>(dashboard.templating.list.map((v: Json) => [v.name, v]));
    assert.equal(vars.get('datasource')?.type, 'datasource');
    assert.equal(vars.get('datasource')?.query, 'prometheus');
    // Grafana's variable syntax, not a template literal.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the dashboard's own ${datasource}
    const ds = { type: 'prometheus', uid: '${datasource}' };
    for (const p of panels) {
      assert.deepEqual(p.datasource, ds, p.title);
      for (const t of p.targets ?? []) assert.deepEqual(t.datasource, ds, `${p.title} ${t.refId}`);
    }
    assert.deepEqual(vars.get('tenant')?.datasource, ds);
  });

  it('a tenant variable from label_values, All matching the configured company (no tenant label) too', () => {
    const tenant = dashboard.templating.list.find((v: Json) => v.name === 'tenant');
    assert.ok(tenant);
    const m = /^label_values\((\w+), tenant\)$/.exec(tenant.definition);
    assert.ok(m, tenant.definition);
    assert.ok(KNOWN_METRICS.has(m[1]!), m[1]);
    assert.equal(tenant.query.query, tenant.definition);
    assert.equal(tenant.includeAll, true);
    // ".*" matches the empty label, as the configured company's series have.
    assert.equal(tenant.allValue, '.*');
  });

  it('panels: unique ids, titles, on the 24-column grid without overlap', () => {
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate panel ids: ${ids.join(',')}`);
    const boxes: { title: string; x: number; y: number; w: number; h: number }[] = [];
    for (const p of panels) {
      assert.ok(Number.isInteger(p.id) && p.id > 0, `${p.title}: id`);
      assert.ok(p.title && p.type, `panel ${p.id}: title and type`);
      const { x, y, w, h } = p.gridPos ?? {};
      for (const v of [x, y, w, h])
        assert.ok(Number.isInteger(v) && v >= 0, `${p.title}: gridPos ${JSON.stringify(p.gridPos)}`);
      assert.ok(w > 0 && h > 0 && x + w <= 24, `${p.title}: gridPos ${JSON.stringify(p.gridPos)}`);
      for (const b of boxes) {
        const overlap = x < b.x + b.w && b.x < x + w && y < b.y + b.h && b.y < y + h;
        assert.ok(!overlap, `${p.title} overlaps ${b.title}`);
      }
      boxes.push({ title: p.title, x, y, w, h });
      const refIds = (p.targets ?? []).map((t: Json) => t.refId);
      assert.ok(refIds.length > 0, `${p.title}: no query`);
      assert.equal(new Set(refIds).size, refIds.length, `${p.title}: duplicate refIds`);
    }
  });

  it('has the panels operators need', () => {
    const uses = (metric: string) => targets().some((t) => metricsIn(t.expr).includes(metric));
    for (const metric of [
      'evs_runs_total',
      'evs_last_success_timestamp_seconds',
      'evs_runs_awaiting_decision',
      'evs_quarantined_users',
      'evs_failing_users',
      'evs_visitor_scim_requests_total',
      'evs_visitor_scim_request_duration_seconds',
      'evs_users_total',
      'evs_engage_scim_outbox_backlog',
    ])
      assert.ok(uses(metric), `no panel shows ${metric}`);
    assert.ok(
      targets().some((t) => /histogram_quantile\(0\.95,/.test(t.expr)),
      'no p95 latency',
    );
    assert.ok(
      targets().some((t) => /status="429"/.test(t.expr)),
      'no 429 query',
    );
  });

  it('every query names only known metrics, and filters by the tenant variable where series have one', () => {
    for (const { panel, expr } of targets()) {
      const names = metricsIn(expr);
      assert.ok(names.length > 0 || /\bup\{job=~/.test(expr), `${panel}: no known metric in ${expr}`);
      for (const name of names) {
        assert.ok(KNOWN_METRICS.has(name), `${panel}: unknown metric ${name}`);
        if (UNTENANTED.test(name)) continue;
        const selector = new RegExp(`${name}(_bucket)?\\{[^}]*tenant=~"\\$tenant"[^}]*\\}`);
        assert.match(expr, selector, `${panel}: ${name} without tenant=~"$tenant"`);
      }
    }
  });

  it('the alert rules name only known metrics too', () => {
    const rules = fs.readFileSync(RULES, 'utf8');
    const used = new Set(metricsIn(rules));
    assert.ok(used.size >= 7, [...used].join(', '));
    for (const name of used) assert.ok(KNOWN_METRICS.has(name), `alerts.yml: unknown metric ${name}`);
  });
});
