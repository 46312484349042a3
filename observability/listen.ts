// Starts an HTTP server on a port and says which one it got (0 picks a free port): the metrics and
// probe servers share it.
import type { Server } from 'node:http';

export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}
