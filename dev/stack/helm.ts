// Helm, for checking the chart in deploy/helm offline (`helm lint`, `helm template`): found in
// .tools/bin, or built there once from the pinned tag with `go install`, like the Temporal CLI.
// A helm on PATH is not used: the tests assert on what this version renders.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TOOLS_BIN } from './paths';
import { StackError } from './processes';

/** A v3 tag the Go module proxy serves (v3.22.0 is served but not approved here; v4 changed the CLI). */
export const HELM_VERSION = '3.21.4';
/** The Kubernetes version its k8s.io modules (v0.36) speak; helm's Makefile stamps it in, as here. */
const KUBE_MAJOR = '1';
const KUBE_MINOR = '36';
const LDFLAGS = [
  `-X helm.sh/helm/v3/internal/version.version=v${HELM_VERSION}`,
  ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => [
    `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=${KUBE_MAJOR}`,
    `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${KUBE_MINOR}`,
  ]),
].join(' ');

/** The Go toolchain (on PATH, or the official install's place); undefined when none. */
export function goBinary(): string | undefined {
  const res = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' });
  if (res.status === 0 && res.stdout.trim()) return res.stdout.trim();
  return fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/** Version line of a helm binary, or undefined when it does not run. */
function versionOf(bin: string): string | undefined {
  const res = spawnSync(bin, ['version', '--short'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/**
 * Path of helm v{HELM_VERSION} in .tools/bin, building it with `go install` when missing or another
 * version (a few minutes the first time; Go's module and build caches make a rebuild quick).
 */
export function ensureHelm(log: (msg: string) => void = console.log): string {
  const local = path.join(TOOLS_BIN, 'helm');
  // The stamp records the flags it was built with: a change of version or flags rebuilds it.
  const stamp = `${local}.ldflags`;
  const current = () => fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === LDFLAGS;
  if (fs.existsSync(local) && current() && versionOf(local)?.startsWith(`v${HELM_VERSION}`)) return local;
  const go = goBinary();
  if (!go) {
    throw new StackError(
      `Helm v${HELM_VERSION} is not in ${TOOLS_BIN} and Go is not installed to build it.\n` +
        'Install Go ≥ 1.25 (Debian: `apt-get install golang-go` if recent enough, or https://go.dev/dl/), then re-run.',
    );
  }
  log(`Building Helm v${HELM_VERSION} with go install (first run only, a few minutes)…`);
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  const res = spawnSync(go, ['install', '-ldflags', LDFLAGS, `helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}`], {
    env: { ...process.env, GOBIN: TOOLS_BIN, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = fs.existsSync(local) ? versionOf(local) : undefined;
  if (res.status !== 0 || !built?.startsWith(`v${HELM_VERSION}`)) {
    throw new StackError(
      `go install of Helm v${HELM_VERSION} failed (exit ${res.status}, version ${built ?? 'none'}); see the output above`,
    );
  }
  fs.writeFileSync(stamp, LDFLAGS);
  return local;
}

/**
 * Runs helm offline: its config, cache and data directories inside .tools/helm (never the user's),
 * no repositories, no cluster. Returns the exit code and output.
 */
export function runHelm(
  helm: string,
  args: string[],
): { status: number | null; stdout: string; stderr: string } {
  const home = path.join(path.dirname(TOOLS_BIN), 'helm');
  const res = spawnSync(helm, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_DATA_HOME: path.join(home, 'data'),
      // No kubeconfig: `helm template` must not reach for a cluster.
      KUBECONFIG: path.join(home, 'no-kubeconfig'),
    },
  });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}
