// A command from a Debian package: found on PATH, or installed with apt-get when missing and we are
// root (docker-compose for the compose checks, chromium for the browser tests).
import { spawnSync } from 'node:child_process';
import { StackError } from './processes';

export function onPath(cmd: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() || undefined : undefined;
}

/** Path of `cmd`, installing Debian's `pkg` when it is missing. */
export function ensureDebianCommand(cmd: string, pkg: string, log: (msg: string) => void): string {
  const found = onPath(cmd);
  if (found) return found;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new StackError(
      `${cmd} is not on PATH: install Debian's package (sudo apt-get install -y ${pkg}) and re-run.`,
    );
  }
  log(`Installing Debian's ${pkg} package…`);
  const install = ['install', '-y', '--no-install-recommends', pkg];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The package lists may be stale or missing on a fresh machine: update once, then retry.
  if (spawnSync('apt-get', install, { stdio: 'inherit', env }).status !== 0) {
    for (const args of [['update'], install]) {
      const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (res.status !== 0) throw new StackError(`apt-get ${args.join(' ')} failed (exit ${res.status})`);
    }
  }
  const installed = onPath(cmd);
  if (!installed) throw new StackError(`${pkg} was installed but ${cmd} is not on PATH`);
  return installed;
}
