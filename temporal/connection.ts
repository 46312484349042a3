// Connections to Temporal for client scripts and workers: local dev server, a self-hosted
// cluster (optionally mTLS), or Temporal Cloud (mTLS or API key).
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { ServiceConfig } from '../config/service';

export function connectionOptions(config: ServiceConfig) {
  const t = config.temporal;
  const tls = t.tls
    ? t.tlsCertPath && t.tlsKeyPath
      ? { clientCertPair: { crt: fs.readFileSync(t.tlsCertPath), key: fs.readFileSync(t.tlsKeyPath) } }
      : true
    : false;
  return {
    address: t.address,
    tls,
    ...(t.apiKey ? { apiKey: t.apiKey, metadata: { 'temporal-namespace': t.namespace } } : {}),
  };
}

export async function connectClient(config: ServiceConfig): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '10s' });
  return new Client({ connection, namespace: config.temporal.namespace });
}
