import { Queue } from 'bullmq';
import type { Env } from '../../../libs/config/src';
import type { Db } from '../../../libs/db/src/db';
import { AlertRepository } from '../../../libs/db/src/repositories/alert.repository';
import { DeadLetterRepository } from '../../../libs/db/src/repositories/dead-letter.repository';
import { EventRepository } from '../../../libs/db/src/repositories/event.repository';
import { SnapshotWriteRepository } from '../../../libs/db/src/repositories/snapshot-write.repository';
import { applyBullmqFixes, QueueName, redisConnection } from '../../../libs/queue/src';
import type { WorkerConfig } from './config/worker-config';
import { WorkerMetrics } from './metrics/worker-metrics';
import { configuredChannels, NotificationOutbox } from './notifications/notification-outbox';
import { NotificationProcessor } from './processors/notification.processor';
import { SnapshotProcessor } from './processors/snapshot.processor';
import { DeadLetterJobUseCase } from './use-cases/dead-letter-job/dead-letter-job.use-case';
import { DeliverNotificationUseCase } from './use-cases/deliver-notification/deliver-notification.use-case';
import { IngestStatsBuffer } from './use-cases/normalize-snapshot/ingest-stats-buffer';
import { NormalizeSnapshotUseCase } from './use-cases/normalize-snapshot/normalize-snapshot.use-case';
import { UnchangedBatcher } from './use-cases/normalize-snapshot/unchanged-batcher';
import { RaiseAlertsUseCase } from './use-cases/raise-alerts/raise-alerts.use-case';
import { SweepStaleHostsUseCase } from './use-cases/sweep-stale-hosts/sweep-stale-hosts.use-case';

type RuntimeEnv = Pick<Env, 'REDIS_URL' | 'VIRTCAP_QUEUE_PREFIX' | 'WORKER_CONCURRENCY' | 'VIRTCAP_STALE_AFTER' | 'VIRTCAP_ALERT_WEBHOOK_URL' | 'VIRTCAP_ALERT_WEBHOOK_SECRET' | 'VIRTCAP_ALERTMANAGER_URL'>;

/**
 * Every part of one worker process, wired by hand from the Db, env and worker config (the Nest module
 * provides this as one provider; tests and the bench build it directly). `start()` begins consuming,
 * `close()` stops taking jobs, finishes those in flight and flushes the batches.
 */
export class WorkerRuntime {
  readonly metrics: WorkerMetrics;
  readonly normalize: NormalizeSnapshotUseCase;
  readonly sweep: SweepStaleHostsUseCase;
  readonly snapshotProcessor: SnapshotProcessor;
  readonly notificationProcessor: NotificationProcessor;
  readonly outbox: NotificationOutbox;
  private readonly deadLetterQueue: Queue;
  private readonly batcher: UnchangedBatcher;
  private readonly stats: IngestStatsBuffer;

  constructor(db: Db, env: RuntimeEnv, config: WorkerConfig, opts: { metrics?: WorkerMetrics } = {}) {
    applyBullmqFixes(); // libs/queue bullmq-fixes.ts: finishing a job no longer stringifies the next one
    const pool = db.pool;
    this.metrics = opts.metrics ?? new WorkerMetrics();
    const snapshots = new SnapshotWriteRepository();
    const events = new EventRepository();
    const alerts = new AlertRepository();
    const channels = configuredChannels(env);
    const prefix = env.VIRTCAP_QUEUE_PREFIX;
    this.outbox = new NotificationOutbox(env.REDIS_URL, prefix, config.WORKER_NOTIFY_BACKOFF_MS);
    this.deadLetterQueue = new Queue(QueueName.DeadLetter, { connection: redisConnection(env.REDIS_URL, 'worker'), prefix });
    this.batcher = new UnchangedBatcher(pool, snapshots, config.WORKER_BATCH_WINDOW_MS);
    this.stats = new IngestStatsBuffer(pool, snapshots);
    const raise = new RaiseAlertsUseCase(alerts, channels, this.metrics);
    this.normalize = new NormalizeSnapshotUseCase(pool, snapshots, raise, this.batcher, this.stats, this.metrics);
    this.sweep = new SweepStaleHostsUseCase(pool, alerts, this.outbox, channels, env.VIRTCAP_STALE_AFTER, this.metrics);
    const deadLetter = new DeadLetterJobUseCase(pool, new DeadLetterRepository(), this.deadLetterQueue);
    this.snapshotProcessor = new SnapshotProcessor(env.REDIS_URL, prefix, env.WORKER_CONCURRENCY, this.normalize, this.sweep, deadLetter, this.outbox, this.stats, this.metrics);
    const deliver = new DeliverNotificationUseCase(
      pool,
      alerts,
      events,
      { webhookUrl: env.VIRTCAP_ALERT_WEBHOOK_URL, webhookSecret: env.VIRTCAP_ALERT_WEBHOOK_SECRET, alertmanagerUrl: env.VIRTCAP_ALERTMANAGER_URL, publicUrl: config.WORKER_PUBLIC_URL },
      this.metrics,
    );
    this.notificationProcessor = new NotificationProcessor(env.REDIS_URL, prefix, Math.min(env.WORKER_CONCURRENCY, 8), deliver, this.metrics);
  }

  async start(opts: { schedule?: boolean; notifications?: boolean } = {}): Promise<void> {
    await this.snapshotProcessor.start({ schedule: opts.schedule ?? true });
    if (opts.notifications ?? true) await this.notificationProcessor.start();
  }

  async close(): Promise<void> {
    await this.snapshotProcessor.close();
    await this.notificationProcessor.close();
    await this.batcher.drain();
    await this.stats.flush().catch(() => undefined); // best effort at shutdown: counters only
    await this.outbox.close();
    await this.deadLetterQueue.close();
  }
}
