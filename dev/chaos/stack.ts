// Isolated processes for the reliability suite and the benchmarks: a private Temporal dev server, a
// Visitor emulator process, worker processes and (for scenario 4) a private PostgreSQL cluster. Never
// touches the shared stack's servers; every process started here is stopped by its handle.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { findPostgresBin } from '../stack/postgres';
import { isPortOpen, waitFor } from '../stack/processes';
import { ensureTemporalCli, TEMPORAL_FAIRNESS_CONFIG } from '../stack/temporal';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CHAOS_DIR = path.join(ROOT, '.data', 'chaos');
export const EMULATOR_TOKEN = 'chaos-visitor-token';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rejects after ms unless the race is already over; never keeps the process alive. */
function deadline(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

/** A free loopback port (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function logStream(name: string): number {
  fs.mkdirSync(path.join(CHAOS_DIR, 'logs'), { recursive: true });
  return fs.openSync(path.join(CHAOS_DIR, 'logs', `${name}.log`), 'a');
}

/** One child process with its own process group, stopped by pid (never by name). */
export class Proc {
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(code);
      }),
    );
  }
  get pid(): number {
    return this.child.pid!;
  }
  get alive(): boolean {
    return this.exitCode === undefined;
  }
  signal(sig: NodeJS.Signals): void {
    if (!this.alive) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        this.child.kill(sig);
      } catch {
        /* gone */
      }
    }
  }
  /** SIGTERM (or the given signal), SIGKILL after the grace period. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.signal(sig);
    const t = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
  /** Peak resident set (VmHWM) in MB, from /proc; undefined once exited. */
  peakRssMb(): number | undefined {
    try {
      const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
      return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
    } catch {
      return undefined;
    }
  }
}

function spawnProc(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): Proc {
  const out = logStream(name);
  fs.writeSync(out, `\n--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', onLine ? 'pipe' : out, out],
  });
  if (onLine && child.stdout) {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      fs.writeSync(out, text);
      buf += text;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
  }
  child.once('exit', () => fs.closeSync(out));
  return new Proc(name, child);
}

// --- Temporal dev server ------------------------------------------------------------------------------

export class TemporalServer {
  proc?: Proc;
  private constructor(
    readonly name: string,
    readonly port: number,
    readonly uiPort: number,
    readonly dbFile: string,
    readonly fairness: boolean,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `fairness: false`: a server that dispatches tenants' tasks first in, first out (the bench's baseline). */
  static async start(name: string, opts: { fairness?: boolean } = {}): Promise<TemporalServer> {
    fs.mkdirSync(CHAOS_DIR, { recursive: true });
    const dbFile = path.join(CHAOS_DIR, `temporal-${name}.db`);
    for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
    const s = new TemporalServer(name, await freePort(), await freePort(), dbFile, opts.fairness ?? true);
    await s.restart();
    return s;
  }

  /** Starts (again) on the same port and db file. */
  async restart(): Promise<void> {
    const cli = ensureTemporalCli(() => {});
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--ui-port',
      String(this.uiPort),
      '--db-filename',
      this.dbFile,
      '--headless',
      '--namespace',
      'default',
      '--log-level',
      'error',
      '--dynamic-config-value',
      'frontend.enableServerVersionCheck=false',
      '--dynamic-config-value',
      'frontend.namespaceRPS=20000',
      ...(this.fairness ? TEMPORAL_FAIRNESS_CONFIG.flatMap((v) => ['--dynamic-config-value', v]) : []),
      ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([n, t]) => ['--search-attribute', `${n}=${t}`]),
    ];
    this.proc = spawnProc(`temporal-${this.name}`, cli, args, process.env);
    const proc = this.proc;
    await waitFor(
      'chaos Temporal server',
      async () => {
        if (!proc.alive) throw new Error(`temporal exited; see .data/chaos/logs/temporal-${this.name}.log`);
        if (!(await isPortOpen(this.port))) return false;
        const r = spawnSync(
          cli,
          ['operator', 'namespace', 'describe', '--address', this.address, '-n', 'default'],
          {
            stdio: 'ignore',
          },
        );
        return r.status === 0;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
  }

  async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.proc?.stop(sig);
  }

  async destroy(): Promise<void> {
    await this.stop();
    for (const f of [this.dbFile, `${this.dbFile}-wal`, `${this.dbFile}-shm`]) fs.rmSync(f, { force: true });
  }

  async client(): Promise<{ client: Client; close(): Promise<void> }> {
    const connection = await Connection.connect({ address: this.address });
    return { client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
  }
}

// --- Visitor emulator ---------------------------------------------------------------------------------

export class EmulatorProcess {
  private constructor(
    readonly proc: Proc,
    readonly baseUrl: string,
  ) {}
  get adminUrl(): string {
    return `${new URL(this.baseUrl).origin}/_admin`;
  }

  static async start(name: string, env: Record<string, string> = {}): Promise<EmulatorProcess> {
    let resolveUrl!: (u: string) => void;
    const url = new Promise<string>((r) => {
      resolveUrl = r;
    });
    const proc = spawnProc(
      `emulator-${name}`,
      process.execPath,
      ['--max-old-space-size=6144', '--import', 'tsx', 'dev/emulator/main.ts'],
      {
        ...process.env,
        VISITOR_EMULATOR_PORT: '0',
        VISITOR_EMULATOR_TOKEN: EMULATOR_TOKEN,
        ...env,
      },
      (line) => {
        const m = /listening on (\S+)/.exec(line);
        if (m) resolveUrl(m[1]!);
      },
    );
    const baseUrl = await Promise.race([
      url,
      proc.exited.then(() => {
        throw new Error(`emulator exited at start; see .data/chaos/logs/emulator-${name}.log`);
      }),
      deadline(60_000, 'emulator did not start within 60 s'),
    ]);
    return new EmulatorProcess(proc, baseUrl);
  }

  async state<T>(): Promise<T> {
    return (await (await fetch(`${this.adminUrl}/state?format=compact`)).json()) as T;
  }
  async stats(): Promise<EmulatorStats> {
    return (await (await fetch(`${this.adminUrl}/stats`)).json()) as EmulatorStats;
  }
  async setFaults(faults: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.adminUrl}/faults`, { method: 'PUT', body: JSON.stringify(faults) });
    if (!res.ok) throw new Error(`setFaults: ${res.status} ${await res.text()}`);
  }
  async resetStats(): Promise<void> {
    // Stats are cumulative; callers diff snapshots instead of resetting.
  }
  stop(): Promise<void> {
    return this.proc.stop();
  }
}

export interface EmulatorStats {
  total: number;
  byMethod: Record<string, number>;
  routes: Record<string, Record<string, number>>;
  [k: string]: unknown;
}

/** Requests by status across routes (e.g. how many 429s). */
export function statusCount(s: EmulatorStats, status: string): number {
  let n = 0;
  for (const r of Object.values(s.routes ?? {})) n += r[status] ?? 0;
  return n;
}
export const writesOf = (s: EmulatorStats) =>
  (s.byMethod.POST ?? 0) + (s.byMethod.PATCH ?? 0) + (s.byMethod.PUT ?? 0) + (s.byMethod.DELETE ?? 0);

// --- worker processes ----------------------------------------------------------------------------------

export interface WorkerEnv {
  temporalAddress: string;
  taskQueue: string;
  databaseUrl: string;
  engageDatabaseUrl: string;
  visitorUrl: string;
  extra?: Record<string, string>;
}

export class WorkerProcess {
  private constructor(readonly proc: Proc) {}

  static async start(
    name: string,
    w: WorkerEnv,
    opts: { entry?: string; nodeArgs?: string[] } = {},
  ): Promise<WorkerProcess> {
    let ready!: () => void;
    const isReady = new Promise<void>((r) => {
      ready = r;
    });
    const proc = spawnProc(
      `worker-${name}`,
      process.execPath,
      [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.entry ?? 'workers/main.ts'],
      {
        ...process.env,
        TEMPORAL_ADDRESS: w.temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: w.taskQueue,
        DATABASE_URL: w.databaseUrl,
        ENGAGE_DATABASE_URL: w.engageDatabaseUrl,
        VISITOR_SCIM_URL: w.visitorUrl,
        VISITOR_SCIM_TOKEN: EMULATOR_TOKEN,
        LOG_LEVEL: 'warn',
        ...w.extra,
      },
      (line) => {
        if (line.includes('worker: running')) ready();
      },
    );
    await Promise.race([
      isReady,
      proc.exited.then((c) => {
        throw new Error(`worker exited at start (${c}); see .data/chaos/logs/worker-${name}.log`);
      }),
      deadline(180_000, 'worker did not start within 180 s'),
    ]);
    return new WorkerProcess(proc);
  }

  get pid(): number {
    return this.proc.pid;
  }
  kill(): Promise<number | null> {
    this.proc.signal('SIGKILL');
    return this.proc.exited;
  }
  stop(): Promise<void> {
    return this.proc.stop('SIGTERM', 20_000);
  }
}

// --- a private PostgreSQL cluster (scenario 4 restarts it) -------------------------------------------

const isRoot = process.getuid?.() === 0;

export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  get adminUrl(): string {
    return `postgres://evs:evs@127.0.0.1:${this.port}/postgres`;
  }

  private run(tool: string, args: string[]): void {
    const cmd = isRoot ? 'runuser' : path.join(this.bin, tool);
    const full = isRoot ? ['-u', 'postgres', '--', path.join(this.bin, tool), ...args] : args;
    const r = spawnSync(cmd, full, { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${(r.stderr || r.stdout || '').trim()}`);
  }

  static async create(name: string): Promise<PrivatePostgres> {
    const bin = findPostgresBin();
    if (!bin) throw new Error('PostgreSQL binaries not found (/usr/lib/postgresql/*/bin)');
    const dir = path.join(CHAOS_DIR, `pg-${name}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
    const pw = path.join(dir, 'pwfile');
    fs.writeFileSync(pw, 'evs\n', { mode: 0o600 });
    if (isRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
    const pg = new PrivatePostgres(dir, await freePort(), bin);
    pg.run('initdb', [
      '-D',
      path.join(dir, 'data'),
      '-U',
      'evs',
      `--pwfile=${pw}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    fs.appendFileSync(
      path.join(dir, 'data', 'postgresql.conf'),
      `\nport = ${pg.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${path.join(dir, 'run')}'\nmax_connections = 100\nfsync = off\n`,
    );
    await pg.start();
    return pg;
  }

  async start(): Promise<void> {
    this.run('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-l',
      path.join(this.dir, 'pg.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
    await waitFor('private PostgreSQL', () => isPortOpen(this.port), { timeoutMs: 60_000 });
  }

  /** mode fast = clean shutdown (disconnects everyone); immediate = crash-like. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    try {
      await this.stop('fast');
    } catch {
      /* not running */
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export { sleep };
