// docker-compose.yml and the Dockerfile without a Docker engine: `docker-compose config` (Debian's
// docker-compose, installed when missing) validates the file and gives its normalised form, which
// the tests hold to what `docker compose up` needs (loopback ports, no npm as PID 1, the Engage SCIM
// API and the seed step, volumes writable by the user that writes them); the Dockerfile's build
// steps run for real in a copy of the build context (npm install from the lockfile, the workflow
// bundle), and the image's commands are started there as far as they go without a database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureDockerCompose } from '../../dev/stack/compose';
import { TEMPORAL_FAIRNESS_CONFIG } from '../../dev/stack/temporal';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: the normalised compose file
type Compose = { services: Record<string, any>; volumes?: Record<string, unknown> };

/** The worker's activity grace on SIGTERM (temporal/worker.ts), in seconds. */
function workerShutdownGraceSeconds(): number {
  const m = /shutdownGraceTime:\s*'(\d+)s'/.exec(read('temporal/worker.ts'));
  assert.ok(m, 'temporal/worker.ts sets no shutdownGraceTime in seconds: update this test');
  return Number(m[1]);
}

// ---------------------------------------------------------------------------------------------
// The Dockerfile, parsed: instructions with their line continuations joined, comments dropped.
interface Instruction {
  op: string;
  args: string;
  line: number;
}
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    const start = i + 1;
    if (!line || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    assert.ok(m, `Dockerfile line ${start} is not an instruction: ${line}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!, line: start });
  }
  return out;
}

/** .dockerignore as predicates on context-relative paths (plain names and * globs; no negation). */
function dockerignore(): (rel: string) => boolean {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of patterns)
    assert.doesNotMatch(p, /^!|\*\*|\?|\[/, `.dockerignore pattern ${p}: this test handles names and * only`);
  const regexes = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/^\/+|\/+$/g, '')
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')}(/|$)`,
      ),
  );
  return (rel) => regexes.some((r) => r.test(rel));
}

let compose: Compose;
let dockerCompose: string;

/** `docker-compose config` of the file, as JSON (through the YAML module docker-compose itself uses). */
function composeConfig(env: Record<string, string> = {}): {
  status: number | null;
  json?: Compose;
  err: string;
} {
  const res = spawnSync(dockerCompose, ['-f', path.join(ROOT, 'docker-compose.yml'), 'config'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env },
  });
  if (res.status !== 0) return { status: res.status, err: res.stderr };
  // docker-compose is a Python program that depends on PyYAML: its interpreter reads YAML.
  const shebang = fs.readFileSync(fs.realpathSync(dockerCompose), 'utf8').split('\n')[0]!;
  const python = /^#!\s*(\S+)/.exec(shebang)?.[1] ?? 'python3';
  const conv = spawnSync(
    python,
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: res.stdout, encoding: 'utf8' },
  );
  assert.equal(conv.status, 0, conv.stderr);
  return { status: 0, json: JSON.parse(conv.stdout), err: res.stderr };
}

before(() => {
  dockerCompose = ensureDockerCompose((m) => console.log(m));
  const res = composeConfig();
  assert.equal(res.status, 0, `docker-compose config refused docker-compose.yml:\n${res.err}`);
  compose = res.json!;
});

describe('docker-compose.yml (validated by docker-compose config)', () => {
  it('is valid, with the services docker compose up needs', () => {
    for (const name of [
      'temporal',
      'postgres',
      'migrate',
      'seed',
      'visitor-emulator',
      'engage-scim',
      'worker',
    ])
      assert.ok(compose.services[name], `no ${name} service`);
  });

  it('publishes every port on 127.0.0.1 only, unless EVS_BIND_ADDRESS says otherwise', () => {
    let published = 0;
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of s.ports ?? []) {
        published++;
        const spec = typeof p === 'string' ? p : `${p.host_ip ?? ''}:${p.published}:${p.target}`;
        assert.match(spec, /^127\.0\.0\.1:\d+:\d+/, `${name} publishes ${spec} beyond loopback`);
      }
    }
    assert.ok(published >= 6, 'fewer published ports than expected: the check is not checking');
    const open = composeConfig({ EVS_BIND_ADDRESS: '0.0.0.0' });
    assert.equal(open.status, 0, open.err);
    assert.match(String(open.json!.services.postgres.ports[0]), /^0\.0\.0\.0:55432:5432/);
  });

  it('Temporal: the CLI dev server image (not the deprecated auto-setup), with every search attribute and fairness', () => {
    const images = Object.values(compose.services).map((s) => String(s.image ?? ''));
    assert.ok(!images.some((i) => i.includes('auto-setup')), 'temporalio/auto-setup is deprecated');
    const t = compose.services.temporal;
    assert.match(t.image, /^temporalio\/temporal:\d+\.\d+\.\d+$/);
    assert.deepEqual(t.command.slice(0, 2), ['server', 'start-dev']);
    assert.equal(t.command[t.command.indexOf('--ip') + 1], '0.0.0.0', 'other containers must reach it');
    const attributes = t.command
      .map((a: string, i: number) => (t.command[i - 1] === '--search-attribute' ? a : undefined))
      .filter(Boolean)
      .sort();
    assert.deepEqual(
      attributes,
      Object.entries(SEARCH_ATTRIBUTES)
        .map(([n, type]) => `${n}=${type}`)
        .sort(),
      'the compose Temporal registers other search attributes than the workflows set',
    );
    const dynamic = t.command.filter((_: string, i: number) => t.command[i - 1] === '--dynamic-config-value');
    for (const v of TEMPORAL_FAIRNESS_CONFIG)
      assert.ok(
        dynamic.includes(v),
        `the compose Temporal lacks ${v}: tenants' fairness keys would be ignored`,
      );
    // Its state: a named volume at the image user's home (uid 1000 owns it, so the volume is writable).
    const db = t.command[t.command.indexOf('--db-filename') + 1];
    const volume = t.volumes.find((v: string) => /^temporal-data:/.test(String(v)));
    assert.ok(volume, 'the dev server keeps its state in no named volume');
    assert.ok(db.startsWith(`${String(volume).split(':')[1]}/`), `${db} is outside the volume`);
    assert.match(t.healthcheck.test.join(' '), /temporal operator/);
  });

  it('the app containers run node in exec form under an init (no npm as PID 1), so docker stop drains', () => {
    const app = Object.entries(compose.services).filter(([, s]) => s.build);
    assert.ok(app.length >= 5);
    for (const [name, s] of app) {
      assert.ok(Array.isArray(s.command), `${name}: command is not exec form`);
      assert.ok(['node', 'sh'].includes(s.command[0]), `${name} runs ${s.command[0]}`);
      assert.ok(!s.command.includes('npm'), `${name} runs under npm`);
      assert.equal(s.init, true, `${name}: no init to forward signals and reap`);
    }
    const w = compose.services.worker;
    assert.deepEqual(w.command, ['node', '--import', 'tsx', 'workers/main.ts']);
    const grace = /^(\d+)s$/.exec(String(w.stop_grace_period));
    assert.ok(grace, `worker stop_grace_period ${w.stop_grace_period}`);
    assert.ok(
      Number(grace[1]) >= workerShutdownGraceSeconds() + 10,
      'stop_grace_period cuts the drain short',
    );
    // Its healthcheck asks the probe (workers/health.ts) on HEALTH_PORT.
    assert.match(
      w.healthcheck.test.join(' '),
      new RegExp(`127\\.0\\.0\\.1:${w.environment.HEALTH_PORT}/readyz`),
    );
  });

  it('the Engage SCIM API runs beside the worker, listening beyond loopback inside its container', () => {
    const s = compose.services['engage-scim'];
    assert.deepEqual(s.command, ['node', '--import', 'tsx', 'engage-scim/main.ts']);
    assert.equal(s.environment.ENGAGE_SCIM_HOST, '0.0.0.0');
    assert.match(String(s.ports[0]), new RegExp(`:${s.environment.ENGAGE_SCIM_PORT}/tcp$`));
    assert.equal(s.depends_on.migrate.condition, 'service_completed_successfully');
  });

  it('migrate and seed run once before the worker; seed uses the Engage generator only on an empty database', () => {
    assert.deepEqual(compose.services.migrate.command, [
      'node',
      '--import',
      'tsx',
      'db/migrate-cli.ts',
      '--engage',
    ]);
    const seed = compose.services.seed;
    assert.deepEqual(seed.command, ['sh', 'docker/seed.sh']);
    const script = read('docker/seed.sh');
    assert.match(script, /dev\/engage-generator\/cli\.ts seed --users/);
    assert.match(script, /cli\.ts stats --json/);
    assert.equal(spawnSync('sh', ['-n', path.join(ROOT, 'docker/seed.sh')]).status, 0, 'seed.sh: syntax');
    assert.equal(compose.services.worker.depends_on.seed.condition, 'service_completed_successfully');
    assert.equal(seed.depends_on.migrate.condition, 'service_completed_successfully');
  });

  it('every named volume an app container writes is created owned by node in the image (no EACCES)', () => {
    const steps = parseDockerfile(read('Dockerfile'));
    const owned = new Set(
      steps
        .filter((s) => s.op === 'RUN')
        .flatMap((s) =>
          [...s.args.matchAll(/install -d -o node -g node ((?:\/[\w.-]+)+)/g)].map((m) => m[1]),
        ),
    );
    let mounts = 0;
    for (const [name, s] of Object.entries(compose.services).filter(([, s]) => s.build)) {
      for (const v of s.volumes ?? []) {
        const [source, target] = String(v).split(':');
        if (!source || source.startsWith('/') || source.startsWith('.')) continue; // bind mounts
        mounts++;
        assert.ok(
          owned.has(target),
          `${name} mounts volume ${source} at ${target}, which the image does not own`,
        );
      }
    }
    assert.ok(mounts >= 1, 'no named volume found on an app container: the check is not checking');
  });
});

// ---------------------------------------------------------------------------------------------
describe('Dockerfile', () => {
  const steps = parseDockerfile(read('Dockerfile'));
  const ignored = dockerignore();
  let work: string;
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('COPY sources exist in the build context (and are not .dockerignored); CMD is node in exec form as node', () => {
    for (const s of steps.filter((x) => x.op === 'COPY')) {
      assert.doesNotMatch(s.args, /^--from/, 'multi-stage COPY: extend this test');
      const parts = s.args.replace(/^--chown=\S+\s+/, '').split(/\s+/);
      for (const src of parts.slice(0, -1)) {
        assert.ok(fs.existsSync(path.join(ROOT, src)), `line ${s.line}: COPY ${src}: no such file`);
        if (src !== '.') assert.ok(!ignored(src), `line ${s.line}: COPY ${src} is .dockerignored`);
      }
    }
    const user = steps.findLast((s) => s.op === 'USER');
    assert.equal(user?.args, 'node', 'the image must not run as root');
    const cmd = steps.findLast((s) => s.op === 'CMD');
    assert.ok(cmd, 'no CMD');
    const argv = JSON.parse(cmd.args) as string[];
    assert.deepEqual(argv, ['node', '--import', 'tsx', 'workers/main.ts']);
    assert.ok(fs.existsSync(path.join(ROOT, argv.at(-1)!)));
    // The context keeps local state and secrets out.
    for (const p of ['node_modules', '.data', '.tools', '.git', '.env'])
      assert.ok(ignored(p), `${p} not ignored`);
  });

  it('its build steps run in a copy of the build context: npm install, the workflow bundle, the commands start', () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'evs-dockerfile-'));
    let workdir = work;
    const ran: string[] = [];
    const checked: string[] = [];
    for (const s of steps) {
      if (s.op === 'FROM') assert.match(s.args, /^node:20-/, 'the engines field asks for Node 20');
      else if (s.op === 'WORKDIR') {
        workdir = path.join(work, s.args);
        fs.mkdirSync(workdir, { recursive: true });
      } else if (s.op === 'COPY') {
        const parts = s.args.split(/\s+/);
        const dest = path.resolve(workdir, parts.at(-1)!);
        for (const src of parts.slice(0, -1)) {
          if (src === '.') {
            fs.cpSync(ROOT, dest, {
              recursive: true,
              filter: (from) => {
                const rel = path.relative(ROOT, from);
                return rel === '' || !ignored(rel);
              },
            });
          } else fs.cpSync(path.join(ROOT, src), path.join(dest, path.basename(src)), { recursive: true });
        }
      } else if (s.op === 'RUN') {
        if (/^install -d -o node -g node (\/[\w.-]+)+$/.test(s.args)) {
          // A directory outside the app for the image's user: checked above against the volumes, not
          // created on this machine.
          checked.push(s.args);
          continue;
        }
        const t0 = Date.now();
        const res = spawnSync('sh', ['-c', s.args], {
          cwd: workdir,
          encoding: 'utf8',
          // The npm cache this machine already has: the lockfile's packages, no registry round trips.
          env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
          maxBuffer: 64 * 1024 * 1024,
        });
        assert.equal(res.status, 0, `line ${s.line}: RUN ${s.args} failed:\n${res.stdout}\n${res.stderr}`);
        ran.push(`${s.args} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } else assert.ok(['USER', 'CMD', 'ENV', 'ARG', 'EXPOSE', 'LABEL'].includes(s.op), `unhandled ${s.op}`);
    }
    console.log(`Dockerfile: ran ${ran.join('; ')}; checked, not run: ${checked.join('; ') || 'none'}`);
    assert.ok(
      ran.some((r) => r.startsWith('npm install')),
      'no npm install ran',
    );
    // The workflow bundle is in the image, so a worker on a read-only root starts without bundling.
    const bundles = fs
      .readdirSync(path.join(workdir, '.build'))
      .filter((f) => /^workflow-bundle-workflows-index-\w+\.js$/.test(f));
    assert.equal(bundles.length, 1, `bundles in the image: ${bundles.join(', ')}`);
    // The image's entry points load in the built tree (each stops where it needs a database or flags).
    for (const [args, expect] of [
      [['--import', 'tsx', 'db/migrate-cli.ts', '--help'], /Usage: npm run migrate/],
      [['--import', 'tsx', 'dev/engage-generator/cli.ts', '--help'], /Usage: npm run engage/],
      [['--import', 'tsx', 'engage-scim/cli.ts', '--help'], /Usage/i],
    ] as const) {
      const res = spawnSync(process.execPath, [...args], { cwd: workdir, encoding: 'utf8', timeout: 30_000 });
      assert.equal(res.status, 0, `${args.join(' ')} in the image:\n${res.stdout}${res.stderr}`);
      assert.match(res.stdout + res.stderr, expect);
    }
    // The worker's whole import graph resolves in the image (it is loaded, not started).
    const load = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "await import('./temporal/worker.ts'); await import('./workers/deps.ts'); await import('./workers/health.ts');",
      ],
      { cwd: workdir, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(load.status, 0, `the worker's modules do not load in the image:\n${load.stderr}`);
  });
});
