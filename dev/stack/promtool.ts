// promtool, for checking the Prometheus rules in deploy/prometheus offline (`promtool check rules`,
// `promtool test rules`): found in .tools/bin, or built there once from the pinned tag with
// `go install`, like Helm. A promtool on PATH is not used: the tests assert on what this version says.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { goBinary } from './helm';
import { TOOLS_BIN } from './paths';
import { StackError } from './processes';

/** The Go module tag of Prometheus 3.16 (the module's tags are v0.3MM.P for Prometheus 3.MM.P). */
export const PROMTOOL_VERSION = '0.316.0';
/** `go install` stamps no version; Prometheus' Makefile sets it like this, so --version can be checked. */
const LDFLAGS = `-X github.com/prometheus/common/version.Version=${PROMTOOL_VERSION}`;

/** Version of a promtool binary ("0.316.0"), or undefined when it does not run. */
function versionOf(bin: string): string | undefined {
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (res.status !== 0) return undefined;
  return /^promtool, version (\S+)/m.exec(res.stdout)?.[1];
}

/**
 * Path of promtool v{PROMTOOL_VERSION} in .tools/bin, building it with `go install` when missing or
 * another version (several minutes the first time; Go's module and build caches make a rebuild quick).
 */
export function ensurePromtool(log: (msg: string) => void = console.log): string {
  const local = path.join(TOOLS_BIN, 'promtool');
  // The stamp records the flags it was built with: a change of version or flags rebuilds it.
  const stamp = `${local}.ldflags`;
  const current = () => fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === LDFLAGS;
  if (fs.existsSync(local) && current() && versionOf(local) === PROMTOOL_VERSION) return local;
  const go = goBinary();
  if (!go) {
    throw new StackError(
      `promtool v${PROMTOOL_VERSION} is not in ${TOOLS_BIN} and Go is not installed to build it.\n` +
        'Install Go ≥ 1.25 (Debian: `apt-get install golang-go` if recent enough, or https://go.dev/dl/), then re-run.',
    );
  }
  log(`Building promtool v${PROMTOOL_VERSION} with go install (first run only, several minutes)…`);
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  const res = spawnSync(
    go,
    ['install', '-ldflags', LDFLAGS, `github.com/prometheus/prometheus/cmd/promtool@v${PROMTOOL_VERSION}`],
    {
      env: { ...process.env, GOBIN: TOOLS_BIN, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const built = fs.existsSync(local) ? versionOf(local) : undefined;
  if (res.status !== 0 || built !== PROMTOOL_VERSION) {
    throw new StackError(
      `go install of promtool v${PROMTOOL_VERSION} failed (exit ${res.status}, version ${built ?? 'none'}); see the output above`,
    );
  }
  fs.writeFileSync(stamp, LDFLAGS);
  return local;
}

/** Runs promtool with the given arguments; the exit code and output. */
export function runPromtool(
  promtool: string,
  args: string[],
  cwd?: string,
): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(promtool, args, {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    // Checking a rule file takes a second; a hung promtool must not hang the test run.
    timeout: 120_000,
    ...(cwd ? { cwd } : {}),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}
