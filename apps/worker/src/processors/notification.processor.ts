import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { QueueName, redisConnection } from '../../../../libs/queue/src';
import { PoisonJobError } from '../errors';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import type { DeliverNotificationUseCase } from '../use-cases/deliver-notification/deliver-notification.use-case';
import { isFinalAttempt } from './snapshot.processor';

/** The notifications queue: 'alert.notify' jobs, retried with exponential backoff until delivered. */
export class NotificationProcessor {
  private worker: Worker | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly concurrency: number,
    private readonly deliver: DeliverNotificationUseCase,
    private readonly metrics: WorkerMetrics,
  ) {}

  async start(): Promise<void> {
    this.worker = new Worker(QueueName.Notifications, (job) => this.handleNotify(job), {
      connection: redisConnection(this.redisUrl, 'worker'),
      prefix: this.prefix,
      concurrency: this.concurrency,
    });
    this.worker.on('error', () => undefined); // connection errors: ioredis reconnects; failures are counted per job
    await this.worker.waitUntilReady();
  }

  async handleNotify(job: Job): Promise<string> {
    try {
      return await this.deliver.execute(job.data, isFinalAttempt(job));
    } catch (e) {
      if (e instanceof PoisonJobError) {
        this.metrics.failures.inc({ queue: QueueName.Notifications, reason: e.reason });
        throw new UnrecoverableError(e.message);
      }
      this.metrics.failures.inc({ queue: QueueName.Notifications, reason: 'delivery' });
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}
