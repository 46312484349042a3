// Picks the command from the first words of the command line, prints help, and runs it.
import { commandHelp, parseCommand, UsageError } from './args';
import type { Command } from './command';
import type { CliContext } from './context';

export function programHelp(program: string, intro: string, commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length));
  return [
    `Usage: npm run ${program} -- <command> [arguments] [flags]`,
    '',
    intro,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    `npm run ${program} -- <command> --help describes a command and its flags.`,
  ].join('\n');
}

export async function dispatch(
  program: string,
  intro: string,
  commands: Command[],
  argv: string[],
  ctx: () => CliContext,
): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const help = programHelp(program, intro, commands);
    if (first === undefined) {
      console.error(help);
      return 2;
    }
    console.log(help);
    return 0;
  }
  // Longest name first, so "invitations status" wins over a one-word match.
  const byLength = [...commands].sort(
    (a, b) => b.spec.name.split(' ').length - a.spec.name.split(' ').length,
  );
  const command = byLength.find((c) => {
    const words = c.spec.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!command) {
    const group = commands.filter((c) => c.spec.name.startsWith(`${first} `));
    if (group.length > 0) {
      const subs = group.map((c) => c.spec.name.split(' ')[1]);
      const got = argv[1] === undefined || argv[1].startsWith('-') ? '' : ` "${argv[1]}"`;
      throw new UsageError(
        `${program} ${first}: unknown or missing subcommand${got}; expected ${subs.join(', ')}`,
      );
    }
    const names = [...new Set(commands.map((c) => c.spec.name.split(' ')[0]))];
    throw new UsageError(
      `${program}: unknown command "${first}"; commands: ${names.join(', ')} (see --help)`,
    );
  }
  const rest = argv.slice(command.spec.name.split(' ').length);
  const parsed = parseCommand(command.spec, rest, program);
  if (parsed.help) {
    console.log(commandHelp(command.spec, program));
    return 0;
  }
  return command.run(parsed, ctx);
}
