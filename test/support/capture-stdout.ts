// What a CLI command prints (console.log and text written to process.stdout), for tests that read it.
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const log = console.log;
  let out = '';
  // Text only: the test runner's own events go to its parent through stdout as bytes, and must pass.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write(chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  console.log = (...args: unknown[]) => {
    out += `${args.join(' ')}\n`;
  };
  try {
    return { value: await fn(), out };
  } finally {
    process.stdout.write = write;
    console.log = log;
  }
}
