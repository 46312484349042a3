// Temporal's time-skipping test server (the Java SDK's, from Maven Central) for workflow tests that
// skip days of timers in seconds. The SDK's own download comes from temporal.download, which this
// project may not reach; Maven Central publishes the same server as io.temporal:temporal-test-server.
// Its jars are fetched once into .tools/ (pinned, checked by SHA-256), beside the Temporal CLI, and a
// wrapper script starts it the way TestWorkflowEnvironment.createTimeSkipping runs an existing-path
// executable: `<path> <port>`.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LOG_DIR, logFile, TOOLS_BIN } from './paths';
import { StackError } from './processes';

export const TEST_SERVER_VERSION = '1.38.0';
const MAVEN_REPOSITORY = (process.env.MAVEN_REPOSITORY_URL ?? 'https://repo1.maven.org/maven2').replace(
  /\/+$/,
  '',
);
const TOOLS_DIR = path.dirname(TOOLS_BIN);
export const TEST_SERVER_DIR = path.join(TOOLS_DIR, `temporal-test-server-${TEST_SERVER_VERSION}`);
const WRAPPER = path.join(TEST_SERVER_DIR, 'temporal-test-server');
const MAIN_CLASS = 'io.temporal.testserver.TestServer';

/**
 * The runtime classpath of io.temporal:temporal-test-server, as Maven resolves it
 * (`mvn dependency:list -DincludeScope=runtime` on a pom that depends on it), with each jar's SHA-256
 * (its SHA-1 matched Maven Central's). A new version: resolve again and replace the list.
 */
const JARS: ReadonlyArray<readonly [coordinates: string, sha256: string]> = [
  ['com.cronutils:cron-utils:9.2.1', '02af0e8b2fe93c9fa6eecf97b53b39faae14c5b996356edb132e9fe620013744'],
  [
    'com.fasterxml.jackson.core:jackson-annotations:2.15.4',
    'f204ebbd552614a22b8531ffe350d47f8fd42c45bb60517c07974dc27a5a1dd3',
  ],
  [
    'com.fasterxml.jackson.core:jackson-core:2.15.4',
    '8dc9210dd285db366f45f518dd1e6a9ccfeb0f1a8e184a899fe96d29edf1fd94',
  ],
  [
    'com.fasterxml.jackson.core:jackson-databind:2.15.4',
    '0f99ff7719eef3ee85608b3dee6ecf3c698003fe9d6e34eabbfabccdc9b5ac2c',
  ],
  [
    'com.fasterxml.jackson.datatype:jackson-datatype-jdk8:2.15.4',
    '3efb9d55b62f50e64b11fe00625800285fef8781736b80bd206677fb56040aac',
  ],
  [
    'com.fasterxml.jackson.datatype:jackson-datatype-jsr310:2.15.4',
    '472498cbba2726012ff82f86fc8feef9593663bda1a695a17db804a63fa733ff',
  ],
  [
    'com.google.android:annotations:4.1.1.4',
    'ba734e1e84c09d615af6a09d33034b4f0442f8772dec120efb376d86a565ae15',
  ],
  [
    'com.google.api.grpc:proto-google-common-protos:2.59.2',
    '9407f50aef5d1cb12675c170fa64ee216023eefca49f8f5eac45124f23a6cb29',
  ],
  [
    'com.google.code.findbugs:jsr305:3.0.2',
    '766ad2a0783f2687962c8ad74ceecc38a28b9f72a2d085ee438b7813e928d0c7',
  ],
  ['com.google.code.gson:gson:2.10.1', '4241c14a7727c34feea6507ec801318a3d4a90f070e4525681079fb94ee4c593'],
  [
    'com.google.errorprone:error_prone_annotations:2.36.0',
    '77440e270b0bc9a249903c5a076c36a722c4886ca4f42675f2903a1c53ed61a5',
  ],
  [
    'com.google.guava:failureaccess:1.0.3',
    'cbfc3906b19b8f55dd7cfd6dfe0aa4532e834250d7f080bd8d211a3e246b59cb',
  ],
  [
    'com.google.guava:guava:33.4.8-android',
    'a1f8a4bafe5a77232d333356843e194599b30837574a7f4be1063daaaaab102c',
  ],
  [
    'com.google.guava:listenablefuture:9999.0-empty-to-avoid-conflict-with-guava',
    'b372a037d4230aa57fbeffdef30fd6123f9c0c2db85d0aced00c91b974f33f99',
  ],
  [
    'com.google.j2objc:j2objc-annotations:3.0.0',
    '88241573467ddca44ffd4d74aa04c2bbfd11bf7c17e0c342c94c9de7a70a7c64',
  ],
  [
    'com.google.protobuf:protobuf-java-util:3.25.8',
    'e7196eaefc3f81afa1571821635c7aefe2933f4be4a9df9e601fb59214b50269',
  ],
  [
    'com.google.protobuf:protobuf-java:3.25.8',
    '72bdb32eb38cafb7dcd288262c29a34d57cba2e19101af9685155ba8c0a56008',
  ],
  ['com.uber.m3:tally-core:0.13.0', 'b3ccc572be36be91c47447c7778bc141a74591279cdb40224882e8ac8271b58b'],
  ['io.grpc:grpc-api:1.76.0', '13ce42c59871a04a7340f01e1dbd879fefa04811878cfd68864596321f555ed3'],
  ['io.grpc:grpc-context:1.76.0', '3b4eb9ca65fe5cd98b2665f9b355158fac5a048708626b5b68dc66c43fb820d3'],
  ['io.grpc:grpc-core:1.76.0', '00926861e7dcd9ce993a3ed3cb6f55b104c0a3ad0dad2cdde8680d1bcbd100b6'],
  ['io.grpc:grpc-inprocess:1.76.0', 'cb1f0095ab7f2603508433554ec7bd9602bbe0e3340ade262c58e911cb8ccc63'],
  ['io.grpc:grpc-netty-shaded:1.76.0', '196ef71498808fbd81555af0c5b00e0f6e8263d8e6d2bc115d36239088876328'],
  ['io.grpc:grpc-protobuf-lite:1.76.0', '5fb276bfc4974182888e11c1c0115d9d01cb970a39fc75c8c73695d3da13d878'],
  ['io.grpc:grpc-protobuf:1.76.0', '52a004da0065d39601257ded13c40e0e4dfcf74db1c55a9bf7932a88fc384809'],
  ['io.grpc:grpc-services:1.76.0', '64ed014542d83664b401faed38d6b32cbd624234481c71a7277c777937c0e902'],
  ['io.grpc:grpc-stub:1.76.0', 'e8d2fb3f6a75c8052c16173072111cb5140c8a0ad054a0c43188e0d1da162de6'],
  ['io.grpc:grpc-util:1.76.0', 'f342c19c9dc3ac9235a0b5d564834b326b375831373d5a9f87b2b5362553b17e'],
  ['io.micrometer:micrometer-core:1.9.9', 'ddec1c877a32dcf4f5e6cab5efc22707975d1d7e0fb780bcffe505384c52070c'],
  ['io.nexusrpc:nexus-sdk:0.5.0-alpha', '0619e8f4559b17bdc3610a4aeb9b961e414b3642ca15fcf1c9e3aed14b573175'],
  ['io.perfmark:perfmark-api:0.27.0', 'c7b478503ec524e55df19b424d46d27c8a68aeb801664fadd4f069b71f52d0f6'],
  ['io.temporal:temporal-sdk:1.38.0', '4d0ed300118b9dcc1251a5ab6ced503e3ca35ac8c95a4b47500b98fc20a645d0'],
  [
    'io.temporal:temporal-serviceclient:1.38.0',
    '3a2b014541a0799fb182f3ae3b01ce0a5d706a70b57ee933ed4e702d7085e1c8',
  ],
  [
    'io.temporal:temporal-test-server:1.38.0',
    'c6c813bbee46dcdc9df5a018fe6ed4caaf79b0c3c9511a3dd6275232a6d8538e',
  ],
  [
    'org.codehaus.mojo:animal-sniffer-annotations:1.24',
    'c720e6e5bcbe6b2f48ded75a47bccdb763eede79d14330102e0d352e3d89ed92',
  ],
  [
    'org.hdrhistogram:HdrHistogram:2.1.12',
    '9b47fbae444feaac4b7e04f0ea294569e4bc282bc69d8c2ce2ac3f23577281e2',
  ],
  ['org.jspecify:jspecify:1.0.0', '1fad6e6be7557781e4d33729d49ae1cdc8fdda6fe477bb0cc68ce351eafdfbab'],
  ['org.latencyutils:LatencyUtils:2.0.3', 'a32a9ffa06b2f4e01c5360f8f9df7bc5d9454a5d373cd8f361347fa5a57165ec'],
  ['org.slf4j:slf4j-api:1.7.36', 'd3ef575e3e4979678dc01bf1dcce51021493b4d11fb7f1be8ad982877c16a1c0'],
];

const jarName = (coordinates: string) => {
  const [, artifact, version] = coordinates.split(':');
  return `${artifact}-${version}.jar`;
};

const jarUrl = (coordinates: string) => {
  const [group, artifact, version] = coordinates.split(':') as [string, string, string];
  return `${MAVEN_REPOSITORY}/${group.replaceAll('.', '/')}/${artifact}/${version}/${artifact}-${version}.jar`;
};

const complete = (dir: string) => JARS.every(([c]) => fs.existsSync(path.join(dir, jarName(c))));

async function download(coordinates: string, sha256: string, dir: string): Promise<void> {
  const url = jarUrl(coordinates);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = Buffer.from(await res.arrayBuffer());
      const actual = createHash('sha256').update(body).digest('hex');
      if (actual !== sha256) throw new Error(`SHA-256 ${actual}, expected ${sha256}`);
      fs.writeFileSync(path.join(dir, jarName(coordinates)), body);
      return;
    } catch (err) {
      lastError = err;
    }
  }
  throw new StackError(`Could not fetch ${url}: ${(lastError as Error)?.message ?? lastError}`);
}

/**
 * The jars in .tools/temporal-test-server-<version>/, fetched when missing. Several test processes
 * may call this at once: each fetches into a directory of its own and renames it into place; the
 * first rename wins and the others discard theirs.
 */
async function ensureJars(log: (msg: string) => void): Promise<void> {
  if (complete(TEST_SERVER_DIR)) return;
  log(`Fetching Temporal's test server ${TEST_SERVER_VERSION} (${JARS.length} jars) from Maven Central…`);
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  const tmp = path.join(TOOLS_DIR, `.temporal-test-server-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmp);
  try {
    const queue = [...JARS];
    const fetchNext = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) await download(next[0], next[1], tmp);
    };
    await Promise.all([fetchNext(), fetchNext(), fetchNext(), fetchNext()]);
    // A directory left incomplete (by a hand, not by this function): replaced.
    if (fs.existsSync(TEST_SERVER_DIR) && !complete(TEST_SERVER_DIR))
      fs.rmSync(TEST_SERVER_DIR, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, TEST_SERVER_DIR);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!((code === 'ENOTEMPTY' || code === 'EEXIST') && complete(TEST_SERVER_DIR))) throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function onPath(cmd: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() || undefined : undefined;
}

/** A Java runtime: $JAVA_HOME's, the one on PATH, or Debian's default JRE installed when root. */
export function ensureJava(log: (msg: string) => void = console.log): string {
  const home = process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java');
  if (home && fs.existsSync(home)) return home;
  const found = onPath('java');
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new StackError(
      "Temporal's time-skipping test server needs Java (8 or newer) and none was found.\n" +
        'Install one (Debian: sudo apt-get install -y default-jre-headless) or set JAVA_HOME, then re-run.',
    );
  }
  log("Installing Debian's default-jre-headless for Temporal's test server…");
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'default-jre-headless']]) {
    const res = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (res.status !== 0) throw new StackError(`apt-get ${args.join(' ')} failed (exit ${res.status})`);
  }
  const installed = onPath('java');
  if (!installed) throw new StackError('default-jre-headless was installed but java is not on PATH');
  return installed;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Path of an executable that runs the time-skipping test server on the port given as its first
 * argument, logging to .data/logs/temporal-test-server.log: the `existing-path` executable for
 * `TestWorkflowEnvironment.createTimeSkipping`. Fetches the jars (and Java) the first time.
 */
export async function ensureTestServer(log: (msg: string) => void = console.log): Promise<string> {
  await ensureJars(log);
  const java = ensureJava(log);
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const script = [
    '#!/bin/sh',
    `# Written by dev/stack/test-server.ts: Temporal's time-skipping test server ${TEST_SERVER_VERSION}, port as $1.`,
    // A short-lived server on a shared machine: quick start (C1 only), a small serial heap.
    `exec ${shellQuote(java)} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m \\`,
    `  -cp ${shellQuote(path.join(TEST_SERVER_DIR, '*'))} ${MAIN_CLASS} "$@" \\`,
    `  >>${shellQuote(logFile('temporal-test-server'))} 2>&1`,
    '',
  ].join('\n');
  const current = fs.existsSync(WRAPPER) ? fs.readFileSync(WRAPPER, 'utf8') : undefined;
  if (current !== script) {
    const tmp = `${WRAPPER}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script, { mode: 0o755 });
    fs.renameSync(tmp, WRAPPER);
  }
  return WRAPPER;
}
