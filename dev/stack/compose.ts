// Debian's docker-compose (1.29, the Python one), to validate docker-compose.yml offline with
// `docker-compose config`: no Docker engine is needed for that. Installed with apt-get when missing
// and we are root, like the postgresql package (dev/stack/postgres.ts).
import { spawnSync } from 'node:child_process';
import { StackError } from './processes';

function onPath(cmd: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() || undefined : undefined;
}

/** Path of docker-compose, installing Debian's package when it is missing. */
export function ensureDockerCompose(log: (msg: string) => void = console.log): string {
  const found = onPath('docker-compose');
  if (found) return found;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new StackError(
      "docker-compose is not on PATH: install Debian's package (sudo apt-get install -y docker-compose) and re-run.",
    );
  }
  log("Installing Debian's docker-compose package…");
  const install = ['install', '-y', '--no-install-recommends', 'docker-compose'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The package lists may be stale or missing on a fresh machine: update once, then retry.
  if (spawnSync('apt-get', install, { stdio: 'inherit', env }).status !== 0) {
    for (const args of [['update'], install]) {
      const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (res.status !== 0) throw new StackError(`apt-get ${args.join(' ')} failed (exit ${res.status})`);
    }
  }
  const installed = onPath('docker-compose');
  if (!installed) throw new StackError('docker-compose was installed but is not on PATH');
  return installed;
}
