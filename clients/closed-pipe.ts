// `npm run sync -- plan <run> | head`: once the reader has gone, the rest of the output has nowhere to
// go. Exit quietly (0) instead of dying on EPIPE with a stack trace.
import type { EventEmitter } from 'node:events';

export function exitQuietlyWhenOutputCloses(
  streams: EventEmitter[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  for (const s of streams)
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') exit(0);
      else throw err;
    });
}
