import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RedisHandles } from './redis.provider';

/** Ingest outcomes counted on `virtcap_ingest_snapshots_total{outcome, reason}`. */
export type IngestOutcome = 'queued' | 'duplicate' | 'rejected';

/**
 * The API's Prometheus registry (one per app instance, so tests can boot several): request counts and
 * latency by route and status, ingest outcomes, and the snapshots queue depth read at scrape time.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route' | 'status'>;
  private readonly ingest: Counter<'outcome' | 'reason'>;

  constructor(redis: RedisHandles) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'virtcap_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.latency = new Histogram({
      name: 'virtcap_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.ingest = new Counter({ name: 'virtcap_ingest_snapshots_total', help: 'Snapshots posted, by outcome and rejection reason', labelNames: ['outcome', 'reason'], registers: [this.registry] });
    new Gauge({
      name: 'virtcap_queue_jobs',
      help: 'Jobs in the snapshots queue by state (read at scrape time; absent when Redis is down)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        try {
          const counts = await redis.snapshots.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
          for (const [state, n] of Object.entries(counts)) this.set({ queue: 'snapshots', state }, n);
        } catch {
          // Redis down: leave the gauge without samples; /readyz reports the outage.
        }
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  countIngest(outcome: IngestOutcome, reason = ''): void {
    this.ingest.inc({ outcome, reason });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
