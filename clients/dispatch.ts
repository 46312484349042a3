// Picks the command from the first words of the command line, prints help, and runs it.
import { checkTenantId, TenantRuleError } from '../state/tenant-rules';
import { migrateTenantState } from '../state/tenant-state';
import { TenantRegistry } from '../state/tenants';
import { commandHelp, parseCommand, UsageError } from './args';
import type { Command } from './command';
import { type CliContext, CliError, forTenant } from './context';

/** Programs whose every command may work for one tenant (`--tenant <id>`, anywhere on the line). */
const TENANT_PROGRAMS = new Set(['sync', 'schedule', 'log']);

/** Takes `--tenant <id>` / `--tenant=<id>` out of the command line; the id checked. */
export function takeTenantFlag(argv: string[]): { tenantId: string | undefined; rest: string[] } {
  let tenantId: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let value: string | undefined;
    if (a === '--tenant') {
      value = argv[++i];
      if (value === undefined || value.startsWith('-')) throw new UsageError('--tenant needs a tenant id');
    } else if (a.startsWith('--tenant=')) value = a.slice('--tenant='.length);
    else {
      rest.push(a);
      continue;
    }
    if (tenantId !== undefined) throw new UsageError('--tenant given twice');
    try {
      tenantId = checkTenantId(value);
    } catch (err) {
      if (err instanceof TenantRuleError) throw new UsageError(`--tenant: ${err.message}`);
      throw err;
    }
  }
  return { tenantId, rest };
}

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
    ...(TENANT_PROGRAMS.has(program)
      ? [
          '--tenant <id> (any command) works for that company of the tenant registry instead of the configured one.',
        ]
      : []),
  ].join('\n');
}

/** The context as the registry's tenant `tenantId`'s; an unknown or offboarded tenant is refused. */
export async function tenantContext(base: CliContext, tenantId: string): Promise<CliContext> {
  const tenant = await new TenantRegistry(base.db()).get(tenantId);
  if (!tenant) throw new CliError(`no tenant "${tenantId}" in the registry (npm run tenant -- list)`);
  if (tenant.state === 'offboarded') throw new CliError(`tenant "${tenantId}" is offboarded`);
  // Up to date with this version's migrations (added before them, or before it had a schema).
  await migrateTenantState(base.db(), tenantId);
  return forTenant(base, tenant);
}

export async function dispatch(
  program: string,
  intro: string,
  commands: Command[],
  argv: string[],
  ctx: () => CliContext,
): Promise<number> {
  let tenantId: string | undefined;
  if (TENANT_PROGRAMS.has(program)) ({ tenantId, rest: argv } = takeTenantFlag(argv));
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
  if (tenantId === undefined) return command.run(parsed, ctx);
  const scoped = await tenantContext(ctx(), tenantId);
  return command.run(parsed, () => scoped);
}
