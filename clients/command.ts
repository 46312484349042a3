// One CLI command: its spec (flags, arguments, help) and what it does.
import type { CommandSpec, ParsedCommand } from './args';
import type { CliContext } from './context';

export interface Command {
  spec: CommandSpec;
  /** Returns the exit code. `ctx` connects lazily, on first use. */
  run(parsed: ParsedCommand, ctx: () => CliContext): Promise<number>;
}

/** UTC yyyyMMdd-HHmmss, for workflow ids that sort by start time. */
export function utcStamp(d = new Date()): string {
  return d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}
