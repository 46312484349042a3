// Command-line option parsing for the generator CLI: strict flags, validated values, messages that say
// exactly what is wrong. Kept apart from cli.ts so tests can call it without a database.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { z } from 'zod';
import type { Amount, ChurnOptions } from './churn';

export class UsageError extends Error {
  override name = 'UsageError';
}

const count = (flag: string, max: number) =>
  z
    .string({ message: `${flag} needs a value` })
    .regex(/^\d+$/, { message: `${flag} must be a whole number` })
    .transform(Number)
    .refine((n) => n <= max, { message: `${flag} must be at most ${max}` });

/** "50" (users) or "0.5%" (of the active users). */
const amount = (flag: string) =>
  z
    .string({ message: `${flag} needs a value` })
    .regex(/^(\d+|\d+(\.\d+)?%)$/, { message: `${flag} must be a count like 50 or a percentage like 0.5%` })
    .transform((v): Amount => (v.endsWith('%') ? { percent: Number(v.slice(0, -1)) } : Number(v)))
    .refine((a) => typeof a === 'number' || a.percent <= 100, { message: `${flag} cannot exceed 100%` });

const seedValue = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
  message: '--seed must be 1–64 letters, digits, dots, dashes or underscores',
});

export const HELP: Record<'seed' | 'churn' | 'stats' | 'main', string> = {
  main: `Usage: npm run engage -- <command> [options]

Generates and inspects a realistic Eptura Engage source database (ENGAGE_DATABASE_URL).

Commands:
  seed    Create a company: locations and users (refuses a non-empty database unless --reset)
  churn   Apply a day of changes (edits, hires, leavers, promotions, dirty rows) and report them
  stats   Print counts of users and locations

Run a command with --help for its options.`,
  seed: `Usage: npm run engage -- seed --users N --locations M [--seed S] [--reset]

Creates M locations across several countries and N users: ~1% global admins, ~3% location admins
(1–3 locations each), ~5% vendors, ~2% inactive. Deterministic for a given --seed (default 1).

  --users N       number of users (0–5,000,000)
  --locations M   number of locations (1–100,000)
  --seed S        generator seed
  --reset         empty the Engage tables first (otherwise a non-empty database is refused)
  --json          print the summary as JSON`,
  churn: `Usage: npm run engage -- churn [options]

Applies a day of changes to the Engage database in one transaction and prints what changed.
Amounts are a count ("50") or a percentage of the active users ("0.5%").

  --update A          edit names, titles, phones, e-mails/usernames
  --create A          new hires
  --delete A          leavers (soft delete)
  --deactivate A      deactivations
  --promote A         regular users promoted to global admin
  --demote A          global admins demoted to regular
  --dirty A           add rows real data has: no/invalid e-mail, case-only duplicate e-mails,
                      non-e-mail usernames, local phone formats, 300+ char, emoji and non-Latin names
  --new-locations K   new locations
  --seed S            generator seed (default 1)
  --json              print the summary, including the changed user ids per kind, as JSON`,
  stats: `Usage: npm run engage -- stats [--json]

Prints users by type, active/inactive and deleted, and locations.`,
};

export type Command =
  | { command: 'help'; text: string }
  | { command: 'seed'; users: number; locations: number; seed: string; reset: boolean; json: boolean }
  | { command: 'churn'; options: ChurnOptions; json: boolean }
  | { command: 'stats'; json: boolean };

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    // node's messages name the flag ("Unknown option '--x'"); keep them, drop the stack.
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'invalid options');
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join('; '));
  return result.data;
}

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    return { command: 'help', text: HELP.main };
  }
  switch (name) {
    case 'seed': {
      const v = parse(rest, {
        users: { type: 'string' },
        locations: { type: 'string' },
        seed: { type: 'string' },
        reset: { type: 'boolean' },
        json: { type: 'boolean' },
      });
      if (v.help) return { command: 'help', text: HELP.seed };
      if (v.users === undefined) throw new UsageError('seed needs --users N');
      if (v.locations === undefined) throw new UsageError('seed needs --locations M');
      const locations = check(count('--locations', 100_000), v.locations);
      if (locations < 1) throw new UsageError('--locations must be at least 1');
      return {
        command: 'seed',
        users: check(count('--users', 5_000_000), v.users),
        locations,
        seed: check(seedValue, v.seed ?? '1'),
        reset: v.reset === true,
        json: v.json === true,
      };
    }
    case 'churn': {
      const flags = ['update', 'create', 'delete', 'deactivate', 'promote', 'demote', 'dirty'] as const;
      const v = parse(rest, {
        ...Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])),
        'new-locations': { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
      });
      if (v.help) return { command: 'help', text: HELP.churn };
      const options: ChurnOptions = { seed: check(seedValue, v.seed ?? '1') };
      for (const f of flags) if (v[f] !== undefined) options[f] = check(amount(`--${f}`), v[f]);
      if (v['new-locations'] !== undefined) {
        options.newLocations = check(count('--new-locations', 10_000), v['new-locations']);
      }
      return { command: 'churn', options, json: v.json === true };
    }
    case 'stats': {
      const v = parse(rest, { json: { type: 'boolean' } });
      if (v.help) return { command: 'help', text: HELP.stats };
      return { command: 'stats', json: v.json === true };
    }
    default:
      throw new UsageError(`unknown command '${name}' (expected seed, churn or stats)`);
  }
}
