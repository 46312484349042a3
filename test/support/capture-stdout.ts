// What a CLI command prints (console.log and process.stdout), for tests that read it.
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const log = console.log;
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
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
