// Workflow interceptors (bundled into a test bundle only, by held-child-start-bundle.ts): a child
// workflow's start resolves in the workflow only once a `userChanged` signal has arrived after it was
// asked for. This opens, every time, the window a real deploy hits by chance — a change arriving while
// the invitations child is starting. It adds no command: histories stay those of the production code.
import { condition, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let changes = 0;
  return {
    inbound: [
      {
        async handleSignal(input, next) {
          await next(input);
          if (input.signalName === 'userChanged') changes++;
        },
      },
    ],
    outbound: [
      {
        async startChildWorkflowExecution(input, next) {
          const before = changes;
          const [started, completed] = await next(input);
          const held = started.then(async (runId) => {
            await condition(() => changes > before);
            return runId;
          });
          return [held, completed];
        },
      },
    ],
  };
};
