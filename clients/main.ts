// Exit codes and error printing shared by the CLIs: 0 done, 1 the operation failed, 2 bad command line.
// Operators get one sentence, not a stack trace (DEBUG=1 shows it).

import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfigOrExit } from '../config/service';
import { UsageError } from './args';
import { exitQuietlyWhenOutputCloses } from './closed-pipe';
import { type CliContext, CliError, cliContext, explainDbError } from './context';

export async function runMain(fn: (ctx: () => CliContext) => Promise<number>): Promise<never> {
  exitQuietlyWhenOutputCloses();
  let ctx: CliContext | undefined;
  // Configuration is read only once a command needs it, so --help and flag errors never depend on it.
  const getCtx = () => {
    ctx ??= cliContext(loadConfigOrExit());
    return ctx;
  };
  let code: number;
  try {
    code = await fn(getCtx);
  } catch (raw) {
    const err = ctx ? explainDbError(raw, ctx.config) : raw;
    if (err instanceof UsageError) {
      console.error(err.message);
      code = 2;
    } else if (err instanceof CliError) {
      console.error(`error: ${err.message}`);
      code = 1;
    } else if (err instanceof WorkflowNotFoundError) {
      console.error(
        `error: no workflow ${err.workflowId ?? ''} in namespace ${ctx?.config.temporal.namespace ?? ''}`,
      );
      code = 1;
    } else {
      console.error(`error: ${(err as Error).message ?? String(err)}`);
      if (process.env.DEBUG) console.error(err);
      code = 1;
    }
  }
  await ctx?.close();
  process.exit(code);
}
