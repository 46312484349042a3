// A private PostgreSQL cluster built from the system's binaries, with its data under .data/ on its
// own port, so the project never touches a system cluster.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { LOCAL_DEFAULTS, localPostgresUrl } from '../../config/service';
import { logFile, POSTGRES_DATA_DIR, POSTGRES_SOCKET_DIR, ROOT } from './paths';
import { isPortOpen, StackError, waitFor } from './processes';

const isRoot = process.getuid?.() === 0;
// PostgreSQL refuses to run as root; as root the cluster is owned by the `postgres` system user.
const RUN_AS = 'postgres';

export function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

function ensurePostgresBin(log: (msg: string) => void): string {
  const found = findPostgresBin();
  if (found) return found;
  if (!isRoot) {
    throw new StackError(
      "PostgreSQL server binaries were not found (/usr/lib/postgresql/*/bin). Install Debian's `postgresql` package\n" +
        '(sudo apt-get install -y postgresql), or set DATABASE_URL and ENGAGE_DATABASE_URL to an existing server.',
    );
  }
  log("Installing Debian's postgresql package…");
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
    const res = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (res.status !== 0) throw new StackError(`apt-get ${args.join(' ')} failed (exit ${res.status})`);
  }
  const bin = findPostgresBin();
  if (!bin)
    throw new StackError('postgresql was installed but no pg_ctl was found under /usr/lib/postgresql');
  return bin;
}

function run(bin: string, tool: string, args: string[], opts: { allowFail?: boolean } = {}) {
  const cmd = isRoot ? 'runuser' : path.join(bin, tool);
  const full = isRoot ? ['-u', RUN_AS, '--', path.join(bin, tool), ...args] : args;
  const res = spawnSync(cmd, full, { encoding: 'utf8' });
  if (res.status !== 0 && !opts.allowFail) {
    throw new StackError(`${tool} ${args.join(' ')} failed: ${(res.stderr || res.stdout).trim()}`);
  }
  return res;
}

function chownToPostgres(p: string) {
  if (isRoot) spawnSync('chown', ['-R', `${RUN_AS}:${RUN_AS}`, p]);
}

/**
 * As root the cluster runs as `postgres`, which must be able to reach .data/ inside the checkout. A
 * checkout under a private directory (mktemp -d is mode 700) blocks it: grant traversal only (o+x,
 * not listing) on the ancestors that lack it, and say so.
 */
function ensurePostgresCanReach(dir: string, log: (msg: string) => void) {
  if (!isRoot) return;
  if (spawnSync('runuser', ['-u', RUN_AS, '--', 'test', '-x', dir]).status === 0) return;
  const ancestors: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    ancestors.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of ancestors) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(d, mode | 0o001);
      log(`Granted traversal (o+x) on ${d} so PostgreSQL, running as "${RUN_AS}", can reach the checkout.`);
    }
  }
}

function initCluster(bin: string, log: (msg: string) => void) {
  ensurePostgresCanReach(ROOT, log);
  if (fs.existsSync(path.join(POSTGRES_DATA_DIR, 'PG_VERSION'))) return;
  log(`Initialising a PostgreSQL cluster in ${path.relative(process.cwd(), POSTGRES_DATA_DIR)}…`);
  fs.mkdirSync(POSTGRES_DATA_DIR, { recursive: true });
  fs.mkdirSync(POSTGRES_SOCKET_DIR, { recursive: true });
  const pwFile = path.join(path.dirname(POSTGRES_DATA_DIR), 'pwfile');
  fs.writeFileSync(pwFile, `${LOCAL_DEFAULTS.postgresPassword}\n`, { mode: 0o600 });
  chownToPostgres(path.dirname(POSTGRES_DATA_DIR));
  run(bin, 'initdb', [
    '-D',
    POSTGRES_DATA_DIR,
    '-U',
    LOCAL_DEFAULTS.postgresUser,
    `--pwfile=${pwFile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  fs.rmSync(pwFile, { force: true });
  // Tuned for a 2-core dev box running benchmarks: enough connections for workers + tests.
  fs.appendFileSync(
    path.join(POSTGRES_DATA_DIR, 'postgresql.conf'),
    [
      '',
      '# engage-visitor-sync local cluster',
      `port = ${LOCAL_DEFAULTS.postgresPort}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${POSTGRES_SOCKET_DIR}'`,
      'max_connections = 200',
      'shared_buffers = 256MB',
      'synchronous_commit = on',
      'fsync = on',
      '',
    ].join('\n'),
  );
}

export async function postgresStatus(): Promise<{ running: boolean }> {
  return { running: await isPortOpen(LOCAL_DEFAULTS.postgresPort) };
}

function clusterRunning(bin: string): boolean {
  if (!fs.existsSync(path.join(POSTGRES_DATA_DIR, 'PG_VERSION'))) return false;
  return run(bin, 'pg_ctl', ['-D', POSTGRES_DATA_DIR, 'status'], { allowFail: true }).status === 0;
}

export async function startPostgres(log: (msg: string) => void = console.log): Promise<void> {
  const bin = ensurePostgresBin(log);
  initCluster(bin, log);
  if (clusterRunning(bin)) return;
  if (await isPortOpen(LOCAL_DEFAULTS.postgresPort)) {
    throw new StackError(
      `Port ${LOCAL_DEFAULTS.postgresPort} is already taken by a process this project did not start.\n` +
        'Stop it, or set DATABASE_URL and ENGAGE_DATABASE_URL to use an existing PostgreSQL.',
    );
  }
  // A crash can leave postmaster.pid behind; pg_ctl start handles a stale one itself.
  fs.mkdirSync(POSTGRES_SOCKET_DIR, { recursive: true });
  fs.mkdirSync(path.dirname(logFile('postgres')), { recursive: true });
  fs.appendFileSync(logFile('postgres'), '');
  chownToPostgres(POSTGRES_SOCKET_DIR);
  chownToPostgres(logFile('postgres'));
  log(`Starting PostgreSQL on 127.0.0.1:${LOCAL_DEFAULTS.postgresPort}…`);
  run(bin, 'pg_ctl', ['-D', POSTGRES_DATA_DIR, '-l', logFile('postgres'), '-w', '-t', '60', 'start']);
  await waitFor('PostgreSQL', () => isPortOpen(LOCAL_DEFAULTS.postgresPort), { log: logFile('postgres') });
}

export async function stopPostgres(): Promise<boolean> {
  const bin = findPostgresBin();
  if (!bin || !clusterRunning(bin)) return false;
  run(bin, 'pg_ctl', ['-D', POSTGRES_DATA_DIR, '-m', 'fast', '-w', 'stop']);
  return true;
}

/** Creates a database if it does not exist (idempotent). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new StackError(`invalid database name ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } catch (err) {
        // Two processes racing to create it: the loser sees duplicate_database.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  } finally {
    await client.end();
  }
}

export const localAdminUrl = () => localPostgresUrl('postgres');
