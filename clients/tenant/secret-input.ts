// Tenants' secrets (the Visitor token, the Engage database URL) reach the CLI from a file or stdin,
// never from the command line: argv is visible to every user of the machine (ps, /proc) and kept in
// shell history. A flag that would carry one is refused before anything else is parsed.
import { readFile } from 'node:fs/promises';
import { Secret } from '../../config/secret';
import { boolFlag, type FlagSpec, type ParsedCommand, stringFlag, UsageError } from '../args';

/** Flags someone may try for a secret, and where the secret goes instead. */
const REFUSED: Record<string, string> = {
  'visitor-token': '--visitor-token-file <path> or --visitor-token-stdin',
  token: '--visitor-token-file <path> or --visitor-token-stdin',
  'engage-url': '--engage-url-file <path> or --engage-url-stdin',
  'engage-database-url': '--engage-url-file <path> or --engage-url-stdin',
  'database-url': '--engage-url-file <path> or --engage-url-stdin',
  password: '--engage-url-file <path> or --engage-url-stdin (the password inside the URL)',
};

/** Throws a UsageError for a secret-carrying flag; its value is never repeated. */
export function refuseSecretArguments(argv: readonly string[]): void {
  for (const arg of argv) {
    if (arg === '--') break;
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const instead = name ? REFUSED[name] : undefined;
    if (instead)
      throw new UsageError(
        `tenant: --${name} is refused: a secret on the command line is visible to every user of this machine (ps) and kept in shell history; give it with ${instead}`,
      );
  }
}

/** Where the CLI reads secrets from; tests give their own. */
export interface SecretIo {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
}

export const processIo: SecretIo = {
  readFile: (path) => readFile(path, 'utf8'),
  async readStdin() {
    if (process.stdin.isTTY) console.error('Paste the secret, then press Enter and Ctrl-D:');
    let text = '';
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) text += chunk;
    return text;
  },
};

export const SECRET_FLAGS: Record<string, FlagSpec> = {
  'visitor-token-file': {
    type: 'string',
    value: 'path',
    description: "a file holding Visitor's SCIM token (only the token; a final line break is ignored)",
  },
  'visitor-token-stdin': { type: 'boolean', description: "read Visitor's SCIM token from stdin" },
  'engage-url-file': {
    type: 'string',
    value: 'path',
    description: "a file holding the tenant's own Engage database URL (postgres://…, read-only user)",
  },
  'engage-url-stdin': { type: 'boolean', description: "read the tenant's Engage database URL from stdin" },
};

export type SecretName = 'visitor-token' | 'engage-url';

/** Both sources of one secret named, and at most one secret from stdin per command. */
export function secretSource(p: ParsedCommand, name: SecretName): { file: string } | 'stdin' | undefined {
  const file = stringFlag(p, `${name}-file`);
  const stdin = boolFlag(p, `${name}-stdin`);
  if (file !== undefined && stdin) throw new UsageError(`give --${name}-file or --${name}-stdin, not both`);
  if (boolFlag(p, 'visitor-token-stdin') && boolFlag(p, 'engage-url-stdin'))
    throw new UsageError(
      'only one secret can come from stdin: give the other with --visitor-token-file or --engage-url-file',
    );
  if (file === '') throw new UsageError(`--${name}-file needs a path`);
  if (file !== undefined) return { file };
  return stdin ? 'stdin' : undefined;
}

/** Reads the secret; errors name the flag and the path, never the content. */
export async function readSecret(
  source: { file: string } | 'stdin',
  name: SecretName,
  io: SecretIo,
): Promise<Secret> {
  const flag = source === 'stdin' ? `--${name}-stdin` : `--${name}-file`;
  let text: string;
  try {
    text = source === 'stdin' ? await io.readStdin() : await io.readFile(source.file);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // The path is not repeated: a secret pasted where the path belongs must not be printed back.
    throw new UsageError(
      `${flag}: cannot read ${source === 'stdin' ? 'stdin' : 'the file given'}${code ? ` (${code})` : ''}`,
    );
  }
  // Files and pipes end with a line break; the secret itself never has one at either end.
  const value = text.replace(/^\s+|\s+$/g, '');
  if (value === '') throw new UsageError(`${flag}: no secret there (empty)`);
  if (/[\r\n]/.test(value)) throw new UsageError(`${flag}: expected one line, found several`);
  return new Secret(value);
}
