// A real webhook receiver on 127.0.0.1:0: records every POST body and answers with the statuses it is
// given, in turn (the last one repeats).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receiver {
  /** The webhook URL, with a path that stands for the secret token Slack and Teams put there. */
  url: string;
  /** Every request's parsed body, in order, whatever was answered. */
  bodies: unknown[];
  /** Bodies of the requests answered 2xx. */
  accepted: unknown[];
  close(): Promise<void>;
}

export async function startReceiver(
  statuses: number[] = [200],
  headers: Record<string, string> = {},
): Promise<Receiver> {
  const bodies: unknown[] = [];
  const accepted: unknown[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      bodies.push(body);
      const status = statuses[Math.min(n++, statuses.length - 1)]!;
      if (status < 300) accepted.push(body);
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-token-xyz`,
    bodies,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
