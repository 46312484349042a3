// Debian's docker-compose (1.29, the Python one), to validate docker-compose.yml offline with
// `docker-compose config`: no Docker engine is needed for that. Installed with apt-get when missing
// and we are root, like the postgresql package (dev/stack/postgres.ts).
import { ensureDebianCommand } from './debian-package';

/** Path of docker-compose, installing Debian's package when it is missing. */
export function ensureDockerCompose(log: (msg: string) => void = console.log): string {
  return ensureDebianCommand('docker-compose', 'docker-compose', log);
}
