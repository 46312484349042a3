// Command-line parsing for the operator CLIs: node's strict parseArgs, with errors rewritten into one
// plain sentence that names the bad flag or value, and help text generated from the same spec.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { durationMs, parseInvitationPolicy } from '../config/service';
import type { InvitationPolicy } from '../workflows/types';

/** A mistake in the command line: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Placeholder of the value in help, e.g. "N" or "send|delay:<dur>|disabled". */
  value?: string;
  description: string;
}

export interface CommandSpec {
  /** As typed after the npm script, e.g. "initial" or "invitations status". */
  name: string;
  summary: string;
  positionals?: { name: string; required: boolean; description: string }[];
  flags?: Record<string, FlagSpec>;
  /** Extra paragraphs for --help. */
  details?: string;
}

export interface ParsedCommand {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
}

export function parseCommand(spec: CommandSpec, argv: string[], program: string): ParsedCommand {
  const flags = spec.flags ?? {};
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, f] of Object.entries(flags)) options[name] = { type: f.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(describeParseError(err, spec, program));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const help = values.help === true;
  const expected = spec.positionals ?? [];
  if (!help) {
    if (parsed.positionals.length > expected.length) {
      const extra = parsed.positionals[expected.length];
      throw new UsageError(
        `${[program, spec.name].filter(Boolean).join(' ')}: unexpected argument "${extra}"${
          expected.length === 0 ? ' (this command takes none)' : ''
        }`,
      );
    }
    const missing = expected.slice(parsed.positionals.length).find((p) => p.required);
    if (missing)
      throw new UsageError(
        `${[program, spec.name].filter(Boolean).join(' ')}: missing <${missing.name}> (${missing.description})`,
      );
  }
  return { values, positionals: parsed.positionals, help };
}

function describeParseError(err: unknown, spec: CommandSpec, program: string): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  const known = Object.keys(spec.flags ?? {}).map((f) => `--${f}`);
  const where = [program, spec.name].filter(Boolean).join(' ');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${where}: unknown flag ${flag}; ${known.length ? `known flags: ${known.join(', ')}` : 'this command takes no flags'}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${where}: ${flag} takes no value`;
      return `${where}: ${flag} needs a value${spec.flags?.[flag.replace(/^-+/, '')]?.value ? ` (${spec.flags[flag.replace(/^-+/, '')]!.value})` : ''}`;
    default:
      return `${where}: ${message}`;
  }
}

export function commandHelp(spec: CommandSpec, program: string): string {
  const pos = (spec.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[<${p.name}>]`));
  const flags = Object.entries(spec.flags ?? {});
  const lines = [
    `Usage: npm run ${program} -- ${[spec.name, ...pos, flags.length ? '[flags]' : ''].filter(Boolean).join(' ')}`,
    '',
    spec.summary,
  ];
  const lefts = flags.map(([name, f]) => `--${name}${f.type === 'string' ? ` <${f.value ?? 'value'}>` : ''}`);
  const pad = Math.max(
    24,
    ...lefts.map((l) => l.length + 1),
    ...(spec.positionals ?? []).map((p) => p.name.length + 1),
  );
  if (spec.positionals?.length) {
    lines.push('', 'Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(pad)} ${p.description}`);
  }
  if (flags.length) {
    lines.push('', 'Flags:');
    flags.forEach(([, f], i) => {
      lines.push(`  ${lefts[i]!.padEnd(pad)} ${f.description}`);
    });
  }
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n');
}

// --- values -----------------------------------------------------------------------------------------

export const stringFlag = (p: ParsedCommand, name: string): string | undefined => {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
};
export const boolFlag = (p: ParsedCommand, name: string): boolean => p.values[name] === true;

/** A whole number in [1, max]. */
export function positiveInt(label: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${label} must be a whole number from 1 to ${max}, got "${value}"`);
  }
  return n;
}

export function intFlag(p: ParsedCommand, name: string, fallback: number, max?: number): number {
  const v = stringFlag(p, name);
  return v === undefined ? fallback : positiveInt(`--${name}`, v, max);
}

/** "90s", "30m", "24h", "2d" → milliseconds (> 0). */
export function durationFlag(label: string, value: string): number {
  const d = durationMs.safeParse(value);
  if (!d.success || d.data <= 0) {
    throw new UsageError(`${label} must be a duration like 30m, 24h or 2d, got "${value}"`);
  }
  return d.data;
}

export function invitationsFlag(value: string): InvitationPolicy {
  try {
    return parseInvitationPolicy(value);
  } catch (err) {
    throw new UsageError(`--invitations: ${(err as Error).message}`);
  }
}

export function oneOf<T extends string>(label: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${label} must be one of ${allowed.join(', ')}, got "${value}"`);
}

/** Workflow ids we start or accept: printable, no spaces (guards against pasting a whole line). */
export function runIdArg(value: string): string {
  if (!/^[\w.@:-]{1,200}$/.test(value)) {
    throw new UsageError(`"${value}" is not a run id (e.g. initial-sync-20250101-120000)`);
  }
  return value;
}

/** Who is acting, as recorded on runs and decisions: "cli:<os user>". */
export function cliActor(): string {
  let name: string | undefined;
  try {
    name = os.userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME;
  }
  return `cli:${name || 'unknown'}`;
}
