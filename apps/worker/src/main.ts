import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { getEnv } from '../../../libs/config/src';
import { parseWorkerConfig } from './config/worker-config';
import { startMetricsServer } from './metrics/metrics-server';
import { WorkerMetrics } from './metrics/worker-metrics';
import { WorkerModule } from './worker.module';

/** `npm run start:worker`: the BullMQ workers plus a Prometheus endpoint on WORKER_METRICS_PORT. */
async function main(): Promise<void> {
  getEnv(); // fail at boot, naming every bad variable
  const config = parseWorkerConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const metrics = app.get(WorkerMetrics);
  if (config.WORKER_METRICS_PORT > 0) {
    const { server, port } = await startMetricsServer(metrics.registry, config.WORKER_METRICS_PORT);
    process.once('SIGTERM', () => server.close());
    process.once('SIGINT', () => server.close());
    console.log(`virtcap worker: metrics on :${port}/metrics`);
  }
  console.log(`virtcap worker: consuming with concurrency ${getEnv().WORKER_CONCURRENCY}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
