import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Outcome of one snapshot job. */
export type SnapshotOutcome = 'changed' | 'unchanged' | 'out_of_order' | 'duplicate';

/**
 * The worker's Prometheus metrics, on a registry of its own (several workers can live in one test
 * process). `rate(virtcap_worker_snapshots_total[1m])` is processed/s by outcome.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly snapshots = new Counter({ name: 'virtcap_worker_snapshots_total', help: 'Snapshot jobs processed, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly failures = new Counter({ name: 'virtcap_worker_failures_total', help: 'Failed jobs, by reason', labelNames: ['queue', 'reason'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'virtcap_worker_processing_seconds',
    help: 'Time to normalize one snapshot',
    labelNames: ['outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly queueLag = new Histogram({
    name: 'virtcap_worker_queue_lag_seconds',
    help: 'now - receivedAt when the worker picks a snapshot up',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });
  readonly alertsFired = new Counter({ name: 'virtcap_worker_alerts_fired_total', help: 'Alerts opened, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly alertsResolved = new Counter({ name: 'virtcap_worker_alerts_resolved_total', help: 'Alerts resolved, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly notifications = new Counter({ name: 'virtcap_worker_notifications_total', help: 'Notification attempts, by channel and result', labelNames: ['channel', 'result'], registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
