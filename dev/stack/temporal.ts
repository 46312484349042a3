// The local Temporal dev server: find or build the CLI, start it with persistent state, register
// the namespaces and search attributes the workflows need.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_DEFAULTS } from '../../config/service';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { DATA_DIR, logFile, TEMPORAL_DB_FILE, TOOLS_BIN } from './paths';
import { isPortOpen, runningPid, StackError, startDetached, stopProcess, waitFor } from './processes';

/** v1.5.1 is the newest tag whose go.mod has no replace directive, so `go install …@tag` works. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEST_NAMESPACE = 'evs-test';
/** The dynamic config a self-hosted Temporal needs for fairness keys (on by default in Temporal Cloud). */
export const TEMPORAL_FAIRNESS_CONFIG = [
  'matching.useNewMatcher=true',
  'matching.enableFairness=true',
  'matching.enableMigration=true',
];
const NAME = 'temporal';

function onPath(cmd: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() || undefined : undefined;
}

/** Path of a Temporal CLI: on PATH, or built into .tools/bin from the pinned tag with `go install`. */
export function ensureTemporalCli(log: (msg: string) => void = console.log): string {
  const local = path.join(TOOLS_BIN, 'temporal');
  if (fs.existsSync(local)) return local;
  const global = onPath('temporal');
  if (global) return global;
  const go = onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new StackError(
      'The Temporal CLI is not on PATH and Go is not installed to build it.\n' +
        'Install Go ≥ 1.25 (Debian: `apt-get install golang-go` if recent enough, or https://go.dev/dl/), then re-run;\n' +
        `or install the Temporal CLI ${TEMPORAL_CLI_VERSION} yourself, or set TEMPORAL_ADDRESS to an existing server.`,
    );
  }
  log(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with go install (first run only, a few minutes)…`);
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  const res = spawnSync(
    go,
    [
      'install',
      '-ldflags',
      `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
      `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
    ],
    { env: { ...process.env, GOBIN: TOOLS_BIN, CGO_ENABLED: '0' }, stdio: 'inherit' },
  );
  if (res.status !== 0 || !fs.existsSync(local)) {
    throw new StackError(`go install of the Temporal CLI failed (exit ${res.status}); see the output above`);
  }
  return local;
}

export async function temporalStatus(): Promise<{ running: boolean; pid?: number; managed: boolean }> {
  const pid = runningPid(NAME);
  const open = await isPortOpen(LOCAL_DEFAULTS.temporalPort);
  return { running: open, pid, managed: pid !== undefined };
}

export async function startTemporal(log: (msg: string) => void = console.log): Promise<void> {
  const { temporalPort, temporalUiPort } = LOCAL_DEFAULTS;
  const pid = runningPid(NAME);
  if (pid !== undefined && (await isPortOpen(temporalPort))) {
    ensureSearchAttributes(ensureTemporalCli(log), temporalPort, log);
    return;
  }
  if (pid === undefined && (await isPortOpen(temporalPort))) {
    throw new StackError(
      `Port ${temporalPort} is already taken by a process this project did not start.\n` +
        `Stop it, or point the project at it with TEMPORAL_ADDRESS=127.0.0.1:${temporalPort}.`,
    );
  }
  if (await isPortOpen(temporalUiPort)) {
    throw new StackError(`Port ${temporalUiPort} (Temporal Web UI) is already taken; free it and re-run.`);
  }
  const cli = ensureTemporalCli(log);
  fs.mkdirSync(path.dirname(TEMPORAL_DB_FILE), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    TEMPORAL_DB_FILE,
    '--ip',
    '127.0.0.1',
    '--port',
    String(temporalPort),
    '--ui-port',
    String(temporalUiPort),
    '--namespace',
    'default',
    '--namespace',
    TEST_NAMESPACE,
    '--log-level',
    'warn',
    // Offline machine: don't phone home for version checks.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    // Bigger per-namespace limits than the dev defaults, for benchmarks at 100k users.
    '--dynamic-config-value',
    'frontend.namespaceRPS=20000',
    '--dynamic-config-value',
    'frontend.namespaceCount=20000',
    // Tenants' tasks share the queues by fairness key (domain/tenant-fairness.ts); migration drains
    // the backlog a queue had before fairness was on.
    ...TEMPORAL_FAIRNESS_CONFIG.flatMap((v) => ['--dynamic-config-value', v]),
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  log(`Starting the Temporal dev server on 127.0.0.1:${temporalPort} (UI :${temporalUiPort})…`);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  startDetached({ name: NAME, command: cli, args });
  await waitFor('Temporal dev server', () => isPortOpen(temporalPort), {
    timeoutMs: 60_000,
    log: logFile(NAME),
  });
  // The frontend port opens before namespaces are ready; wait until the CLI can describe ours.
  await waitFor(
    'Temporal namespace',
    async () => {
      const res = spawnSync(
        cli,
        ['operator', 'namespace', 'describe', '--address', `127.0.0.1:${temporalPort}`, '-n', 'default'],
        {
          stdio: 'ignore',
        },
      );
      return res.status === 0;
    },
    { timeoutMs: 60_000, log: logFile(NAME) },
  );
  ensureSearchAttributes(cli, temporalPort, log);
}

/**
 * `--search-attribute` registers only in namespaces the server creates, so a server kept from an older
 * checkout lacks attributes added since: register the missing ones in each namespace.
 */
function ensureSearchAttributes(cli: string, port: number, log: (msg: string) => void): void {
  const address = ['--address', `127.0.0.1:${port}`];
  for (const ns of ['default', TEST_NAMESPACE]) {
    const list = spawnSync(
      cli,
      ['operator', 'search-attribute', 'list', ...address, '-n', ns, '-o', 'json'],
      {
        encoding: 'utf8',
      },
    );
    if (list.status !== 0)
      throw new StackError(`cannot list the search attributes of ${ns}: ${list.stderr.trim()}`);
    const have = new Set(
      Object.keys((JSON.parse(list.stdout) as { customAttributes?: object }).customAttributes ?? {}),
    );
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
      if (have.has(name)) continue;
      log(`Registering search attribute ${name} in ${ns}…`);
      const res = spawnSync(
        cli,
        ['operator', 'search-attribute', 'create', ...address, '-n', ns, '--name', name, '--type', type],
        { encoding: 'utf8' },
      );
      if (res.status !== 0) throw new StackError(`cannot register ${name} in ${ns}: ${res.stderr.trim()}`);
    }
  }
}

export async function stopTemporal(): Promise<boolean> {
  return stopProcess(NAME);
}
