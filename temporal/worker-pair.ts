// Two workers that run and stop together: one for the workflows and their activities on the task
// queue, one for the page activities on the page task queue (domain/workflow-ids.ts pageTaskQueue).
import type { Worker } from '@temporalio/worker';

export class WorkerPair {
  constructor(
    readonly main: Worker,
    readonly pages: Worker,
  ) {}

  /** Runs both until both stop; one failing stops the other, and its error is thrown. */
  async run(): Promise<void> {
    const results = await Promise.allSettled(
      [this.main, this.pages].map((w) =>
        w.run().catch((err: unknown) => {
          this.shutdown();
          throw err;
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Starts a graceful shutdown of both (the ones still running). */
  shutdown(): void {
    for (const w of [this.main, this.pages]) if (w.getState() === 'RUNNING') w.shutdown();
  }

  /** Runs both while `work` runs, then stops them (like Worker.runUntil). */
  runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R> {
    return this.main.runUntil(() => this.pages.runUntil(work));
  }
}
