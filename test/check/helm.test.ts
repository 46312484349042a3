// The Helm chart (deploy/helm/engage-visitor-sync), offline: `helm lint --strict` and `helm template`
// with the default values and with production-like ones (ci/production-values.yaml), and what the
// rendered manifests must hold: probes on the worker's /healthz and /readyz, a SIGTERM grace longer
// than the worker's drain, resources on every container, secrets only by reference, scaling.
// Helm is built from the Go module proxy into .tools/bin on first use (dev/stack/helm.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureHelm, runHelm } from '../../dev/stack/helm';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CHART = path.join(ROOT, 'deploy', 'helm', 'engage-visitor-sync');
const PRODUCTION = path.join(CHART, 'ci', 'production-values.yaml');
/** Variables that carry secrets: never a literal `value` in a manifest. */
const SECRET_VARS = ['DATABASE_URL', 'ENGAGE_DATABASE_URL', 'VISITOR_SCIM_TOKEN', 'TEMPORAL_API_KEY'];

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects
type K8s = any;

let helm: string;
let work: string;

/**
 * helm converts its own output to JSON: a one-template chart that reads the manifests from a file
 * (--set-file) and prints each document through fromYaml | toJson (sigs.k8s.io/yaml, as the API
 * server reads it). No YAML parser in the project is needed.
 */
function toObjects(manifests: string): K8s[] {
  const file = path.join(work, `manifests-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, manifests);
  const res = runHelm(helm, ['template', 'y2j', path.join(work, 'y2j'), '--set-file', `manifests=${file}`]);
  assert.equal(res.status, 0, res.stderr);
  const objects = res.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  for (const o of objects) assert.equal(o.Error, undefined, `a rendered document is not YAML: ${o.Error}`);
  return objects;
}

function render(...args: string[]): { text: string; objects: K8s[] } {
  const res = runHelm(helm, ['template', 'evs', CHART, '--namespace', 'evs', ...args]);
  assert.equal(res.status, 0, `helm template ${args.join(' ')} failed:\n${res.stderr}`);
  const objects = toObjects(res.stdout);
  assert.ok(objects.length > 0, 'helm template rendered nothing');
  return { text: res.stdout, objects };
}

const find = (objects: K8s[], kind: string, suffix: string) => {
  const o = objects.find((x) => x.kind === kind && String(x.metadata.name).endsWith(suffix));
  assert.ok(o, `no ${kind} named …${suffix}`);
  return o;
};
const containers = (objects: K8s[]): [string, K8s][] =>
  objects
    .filter((o) => o.spec?.template?.spec?.containers)
    .flatMap((o) => o.spec.template.spec.containers.map((c: K8s) => [`${o.kind}/${o.metadata.name}`, c]));
const env = (c: K8s) => new Map<string, K8s>((c.env ?? []).map((e: K8s) => [e.name, e]));

/** The worker's activity grace on SIGTERM (temporal/worker.ts), in seconds. */
function workerShutdownGraceSeconds(): number {
  const m = /shutdownGraceTime:\s*'(\d+)s'/.exec(
    fs.readFileSync(path.join(ROOT, 'temporal', 'worker.ts'), 'utf8'),
  );
  assert.ok(m, 'temporal/worker.ts sets no shutdownGraceTime in seconds: update this test');
  return Number(m[1]);
}

before(() => {
  helm = ensureHelm((m) => console.log(m));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'evs-helm-'));
  fs.mkdirSync(path.join(work, 'y2j', 'templates'), { recursive: true });
  fs.writeFileSync(path.join(work, 'y2j', 'Chart.yaml'), 'apiVersion: v2\nname: y2j\nversion: 0.0.1\n');
  fs.writeFileSync(
    path.join(work, 'y2j', 'templates', 'out.yaml'),
    '{{- range $doc := regexSplit "(?m)^---[ \\t]*$" .Values.manifests -1 }}\n' +
      '{{- $o := fromYaml $doc }}{{- if $o }}\n---\n{{ $o | toJson }}\n{{- end }}{{- end }}\n',
  );
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('helm chart: lint', () => {
  it('lints clean (--strict) with the default values', () => {
    const res = runHelm(helm, ['lint', CHART, '--strict']);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('lints clean (--strict) with the production-like values', () => {
    const res = runHelm(helm, ['lint', CHART, '--strict', '-f', PRODUCTION]);
    assert.equal(res.status, 0, res.stdout + res.stderr);
  });

  it('values.schema.json refuses secrets in the env maps, a short grace, typos and bad addresses', () => {
    for (const [set, message] of [
      ['env.VISITOR_SCIM_TOKEN=abc', /invalid propertyName 'VISITOR_SCIM_TOKEN'/],
      ['worker.env.DATABASE_URL=postgres://u:p@db/x', /invalid propertyName 'DATABASE_URL'/],
      ['engageScim.env.MY_PASSWORD=x', /invalid propertyName 'MY_PASSWORD'/],
      [`worker.terminationGracePeriodSeconds=${workerShutdownGraceSeconds()}`, /minimum/],
      ['worker.replicas=3', /additional properties 'replicas' not allowed/],
      ['temporal.address=temporal', /does not match pattern/],
      ['visitor.scimUrl=ftp://x', /does not match pattern/],
      ['worker.resources=null', /resources/],
    ] as const) {
      const res = runHelm(helm, ['template', 'evs', CHART, '--set', set]);
      assert.notEqual(res.status, 0, `--set ${set} was accepted`);
      assert.match(res.stderr, message, `--set ${set}: ${res.stderr}`);
    }
  });
});

for (const [name, args] of [
  ['default values', [] as string[]],
  ['production-like values', ['-f', PRODUCTION]],
] as const) {
  describe(`helm chart: rendered with the ${name}`, () => {
    let text: string;
    let objects: K8s[];
    before(() => {
      ({ text, objects } = render(...args));
    });

    it('renders the worker and the Engage SCIM API (Deployment, Service), a migration hook, a ConfigMap', () => {
      const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      for (const expected of [
        'Deployment/evs-engage-visitor-sync-worker',
        'Deployment/evs-engage-visitor-sync-engage-scim',
        'Service/evs-engage-visitor-sync-engage-scim',
        'Job/evs-engage-visitor-sync-migrate',
        'ConfigMap/evs-engage-visitor-sync',
        'PodDisruptionBudget/evs-engage-visitor-sync-worker',
      ])
        assert.ok(kinds.includes(expected), `${expected} missing from ${kinds.join(', ')}`);
      const job = find(objects, 'Job', '-migrate');
      assert.match(job.metadata.annotations['helm.sh/hook'], /pre-install/);
      assert.deepEqual(job.spec.template.spec.containers[0].command, [
        'node',
        '--import',
        'tsx',
        'db/migrate-cli.ts',
      ]);
      const svc = find(objects, 'Service', '-engage-scim');
      const scim = find(objects, 'Deployment', '-engage-scim');
      assert.deepEqual(svc.spec.selector, scim.spec.selector.matchLabels);
      assert.equal(svc.spec.ports[0].targetPort, 'http');
    });

    it("probes: /healthz (liveness, startup) and /readyz, on the worker's HEALTH_PORT and the SCIM API's own port", () => {
      const worker = find(objects, 'Deployment', '-worker').spec.template.spec.containers[0];
      const health = worker.ports.find((p: K8s) => p.name === 'health');
      assert.ok(health, 'the worker exposes no health port');
      assert.equal(env(worker).get('HEALTH_PORT')?.value, String(health.containerPort));
      assert.deepEqual(worker.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
      assert.deepEqual(worker.readinessProbe.httpGet, { path: '/readyz', port: 'health' });
      assert.deepEqual(worker.startupProbe.httpGet, { path: '/healthz', port: 'health' });
      const scim = find(objects, 'Deployment', '-engage-scim').spec.template.spec.containers[0];
      const http = scim.ports.find((p: K8s) => p.name === 'http');
      assert.equal(env(scim).get('ENGAGE_SCIM_PORT')?.value, String(http.containerPort));
      assert.equal(env(scim).get('ENGAGE_SCIM_HOST')?.value, '0.0.0.0');
      assert.deepEqual(scim.livenessProbe.httpGet, { path: '/healthz', port: 'http' });
      assert.deepEqual(scim.startupProbe.httpGet, { path: '/healthz', port: 'http' });
      assert.deepEqual(scim.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
    });

    it("SIGTERM: node runs the worker directly, with a grace period beyond the worker's drain", () => {
      const grace = workerShutdownGraceSeconds();
      const pod = find(objects, 'Deployment', '-worker').spec.template.spec;
      assert.ok(
        pod.terminationGracePeriodSeconds >= grace + 10,
        `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} leaves no room after the ${grace} s activity grace`,
      );
      assert.deepEqual(pod.containers[0].command, ['node', '--import', 'tsx', 'workers/main.ts']);
      const scim = find(objects, 'Deployment', '-engage-scim').spec.template.spec;
      assert.deepEqual(scim.containers[0].command, ['node', '--import', 'tsx', 'engage-scim/main.ts']);
      assert.ok(scim.terminationGracePeriodSeconds >= 5);
      // Rolling updates keep every worker until its replacement polls.
      const strategy = find(objects, 'Deployment', '-worker').spec.strategy;
      assert.equal(strategy.rollingUpdate.maxUnavailable, 0);
    });

    it('every container has CPU and memory requests and a memory limit, and runs as non-root', () => {
      const all = containers(objects);
      assert.ok(all.length >= 3);
      for (const [owner, c] of all) {
        assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${owner}: no requests`);
        assert.ok(c.resources?.limits?.memory, `${owner}: no memory limit`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, owner);
      }
      for (const o of objects.filter((x) => x.spec?.template?.spec))
        assert.equal(o.spec.template.spec.securityContext.runAsNonRoot, true, o.metadata.name);
    });

    it('secrets only by reference: no Secret object, no secret variable with a literal value', () => {
      assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0, 'the chart renders a Secret');
      for (const [owner, c] of containers(objects)) {
        for (const [name, e] of env(c)) {
          if (SECRET_VARS.includes(name)) {
            assert.equal(e.value, undefined, `${owner}: ${name} is a literal`);
            assert.ok(e.valueFrom?.secretKeyRef?.name && e.valueFrom.secretKeyRef.key, `${owner}: ${name}`);
          }
        }
      }
      const worker = env(find(objects, 'Deployment', '-worker').spec.template.spec.containers[0]);
      for (const name of ['DATABASE_URL', 'ENGAGE_DATABASE_URL', 'VISITOR_SCIM_TOKEN'])
        assert.ok(worker.get(name)?.valueFrom?.secretKeyRef, `the worker does not get ${name}`);
      // The SCIM API gets the Engage database and Temporal, not the sync's database or Visitor's token.
      const scim = env(find(objects, 'Deployment', '-engage-scim').spec.template.spec.containers[0]);
      assert.ok(scim.get('ENGAGE_DATABASE_URL')?.valueFrom?.secretKeyRef);
      assert.equal(scim.get('VISITOR_SCIM_TOKEN'), undefined);
      assert.equal(scim.get('DATABASE_URL'), undefined);
      // Nothing that looks like a credential anywhere in the output.
      assert.doesNotMatch(text, /postgres(ql)?:\/\/[^\s"]*:[^\s"]*@/, 'a database URL with a password');
      assert.doesNotMatch(text, /dev-visitor-token|evs:evs|BEGIN (RSA |EC )?PRIVATE KEY/);
      const data = find(objects, 'ConfigMap', 'engage-visitor-sync').data ?? {};
      for (const key of Object.keys(data)) assert.doesNotMatch(key, /TOKEN|PASSWORD|SECRET|DATABASE_URL/);
    });
  });
}

describe('helm chart: values that change the manifests', () => {
  it('default: 2 workers, no HPA', () => {
    const { objects } = render();
    assert.equal(find(objects, 'Deployment', '-worker').spec.replicas, 2);
    assert.equal(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').length, 0);
    // Default Secret: named after the release.
    const worker = env(find(objects, 'Deployment', '-worker').spec.template.spec.containers[0]);
    assert.equal(worker.get('VISITOR_SCIM_TOKEN').valueFrom.secretKeyRef.name, 'evs-engage-visitor-sync');
  });

  it('production: HPA on the worker Deployment (no fixed replicas), mTLS from a Secret, settings in the ConfigMap', () => {
    const { objects } = render('-f', PRODUCTION);
    const deployment = find(objects, 'Deployment', '-worker');
    assert.equal(deployment.spec.replicas, undefined, 'a fixed replica count fights the HPA');
    const hpa = find(objects, 'HorizontalPodAutoscaler', '-worker');
    assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
    assert.equal(hpa.spec.minReplicas, 3);
    assert.equal(hpa.spec.maxReplicas, 12);
    const pod = deployment.spec.template.spec;
    const worker = env(pod.containers[0]);
    assert.equal(worker.get('TEMPORAL_ADDRESS').value, 'evs-prod.a1b2c.tmprl.cloud:7233');
    assert.equal(worker.get('TEMPORAL_NAMESPACE').value, 'evs-prod.a1b2c');
    const certPath = worker.get('TEMPORAL_TLS_CERT_PATH').value;
    const mount = pod.containers[0].volumeMounts.find((m: K8s) => m.name === 'temporal-tls');
    assert.ok(certPath.startsWith(`${mount.mountPath}/`), 'the certificate path is outside its mount');
    assert.equal(
      pod.volumes.find((v: K8s) => v.name === 'temporal-tls').secret.secretName,
      'evs-temporal-client-cert',
    );
    assert.equal(worker.get('VISITOR_SCIM_URL').value, 'https://eu.visitor.eptura.example/scim/v1');
    assert.equal(worker.get('VISITOR_SCIM_MAX_RPS').value, '5');
    assert.equal(worker.get('DATABASE_URL').valueFrom.secretKeyRef.name, 'evs-prod-secrets');
    const scim = env(find(objects, 'Deployment', '-engage-scim').spec.template.spec.containers[0]);
    assert.equal(scim.get('ENGAGE_DATABASE_URL').valueFrom.secretKeyRef.key, 'ENGAGE_SCIM_DATABASE_URL');
    assert.equal(scim.get('ENGAGE_SCIM_PUBLIC_URL').value, 'https://scim.engage.example.com/scim/api/V1');
    assert.equal(find(objects, 'ConfigMap', 'engage-visitor-sync').data.SYNC_INVITATIONS, 'delay:48h');
  });

  it('Temporal Cloud API key: from its Secret; SCIM API off: no Deployment or Service for it', () => {
    const { objects } = render(
      '--set',
      'temporal.apiKey.existingSecret=temporal-cloud',
      '--set',
      'engageScim.enabled=false',
    );
    const worker = env(find(objects, 'Deployment', '-worker').spec.template.spec.containers[0]);
    assert.deepEqual(worker.get('TEMPORAL_API_KEY').valueFrom.secretKeyRef, {
      name: 'temporal-cloud',
      key: 'TEMPORAL_API_KEY',
    });
    assert.equal(
      objects.filter((o) => String(o.metadata.name).endsWith('-engage-scim')).length,
      0,
      'engage-scim objects rendered while disabled',
    );
  });

  it('the chart defaults (values.yaml) hold no credential', () => {
    const values = fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8');
    assert.doesNotMatch(values, /postgres(ql)?:\/\/[^\s]*@/);
    assert.doesNotMatch(values, /^[ \t]*(token|password|apiKey|secret)[ \t]*:[ \t]*[^\s{]/im);
  });
});
