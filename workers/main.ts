// `npm start`: one worker for every workflow and activity on the configured task queue.

import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import { startAlerter } from '../alerts/alerter';
import { loadConfigOrExit } from '../config/service';
import { SyncMetrics } from '../observability/metrics';
import { startMetricsServer } from '../observability/server';
import { StateGauges } from '../observability/state-gauges';
import { connectionOptions } from '../temporal/connection';
import { lineLogFunction } from '../temporal/log-lines';
import { createWorker } from '../temporal/worker';
import { startChangeFeeds } from './change-feeds';
import { buildDeps } from './deps';
import { startHealthServer } from './health';

const config = loadConfigOrExit();
const metricsPort = config.worker.metricsPort;
// The SDK runtime's own Prometheus exporter listens on an internal port next to ours; /metrics on
// METRICS_PORT serves both.
const sdkMetricsAddress = metricsPort
  ? `127.0.0.1:${metricsPort === 65535 ? metricsPort - 1 : metricsPort + 1}`
  : undefined;
// SIGINT/SIGTERM → graceful shutdown (the SDK's default shutdown signals): both workers stop polling,
// in-flight activities get shutdownGraceTime (temporal/worker.ts, 10 s) to finish, then the process
// closes its connections and exits 0. Orchestrators must allow longer than that (the Helm chart's
// terminationGracePeriodSeconds).
// One plain line per message; core's messages are forwarded to the same logger (temporal/log-lines.ts).
const level = config.logLevel.toUpperCase() as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
Runtime.install({
  shutdownSignals: ['SIGINT', 'SIGTERM'],
  logger: new DefaultLogger('DEBUG', lineLogFunction(level)),
  telemetryOptions: {
    logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
    ...(sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } : {}),
  },
});
const metrics = metricsPort ? new SyncMetrics() : undefined;

// Probes first, so liveness answers while the worker connects; readiness waits for it to poll.
let worker: Awaited<ReturnType<typeof createWorker>> | undefined;
const healthServer = config.worker.healthPort
  ? await startHealthServer({
      port: config.worker.healthPort,
      source: { states: () => (worker ? [worker.main.getState(), worker.pages.getState()] : []) },
    })
  : undefined;

const connection = await NativeConnection.connect(connectionOptions(config));
const clientConnection = await Connection.connect(connectionOptions(config));
const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
const built = buildDeps(config, { temporal, ...(metrics ? { metrics } : {}) });
// Webhook alerts (alerts/): off unless ALERT_WEBHOOK_URLS is set; one worker sends each alert.
const alerter = startAlerter({
  db: built.syncDb,
  registry: built.registry,
  config,
  log: (m) => console.log(m),
});
// The Engage change feed (workers/change-feeds.ts): one worker polls each company; off with CHANGE_FEED=false.
const feeds = startChangeFeeds({
  syncDb: built.syncDb,
  companies: () => built.companies(),
  engageFor: (tenantId) => built.engageFor(tenantId),
  client: temporal,
  config,
  holder: `${os.hostname()}:${process.pid}`,
  log: (m) => console.log(m),
});
const stateGauges = new StateGauges({ db: built.syncDb, companies: () => built.companies() });
const metricsServer = metricsPort
  ? await startMetricsServer({
      port: metricsPort,
      metrics: metrics!,
      sdkMetricsUrl: `http://${sdkMetricsAddress}/metrics`,
      extra: () => stateGauges.render(),
    })
  : undefined;
worker = await createWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  deps: { sync: built.engines },
  maxConcurrentActivities: config.worker.maxConcurrentActivities,
  pageSlots: config.worker.pageSlots,
});
console.log(
  `worker: running on task queue "${config.temporal.taskQueue}" (namespace ${config.temporal.namespace}, ${config.temporal.address}; Visitor ${config.visitor.url})${metricsPort ? `; metrics on :${metricsPort}/metrics` : ''}${healthServer ? `; probes on :${healthServer.port}/healthz, /readyz` : ''}`,
);
try {
  await worker.run();
} finally {
  // The feed's last poll still starts runs through the client: stop it before the connections close.
  await feeds.stop();
  await alerter.stop();
  await connection.close();
  await clientConnection.close();
  await built.close();
  await metricsServer?.close();
  await healthServer?.close();
  console.log('worker: stopped');
}
