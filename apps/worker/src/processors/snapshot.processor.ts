import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { QueueName, redisConnection, SNAPSHOT_QUEUE_KEEP } from '../../../../libs/queue/src';
import { PoisonJobError } from '../errors';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import type { NotificationOutbox } from '../notifications/notification-outbox';
import type { DeadLetterJobUseCase } from '../use-cases/dead-letter-job/dead-letter-job.use-case';
import type { NormalizeResult, NormalizeSnapshotUseCase } from '../use-cases/normalize-snapshot/normalize-snapshot.use-case';
import type { IngestStatsBuffer } from '../use-cases/normalize-snapshot/ingest-stats-buffer';
import type { SweepStaleHostsUseCase } from '../use-cases/sweep-stale-hosts/sweep-stale-hosts.use-case';

/** Whether this run is the job's last allowed attempt. */
export const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/**
 * The snapshots queue: 'snapshot.normalize' jobs and the repeatable 'hosts.stale-sweep'. Poison jobs
 * (PoisonJobError) are dead-lettered at once and failed with UnrecoverableError (no retries); other
 * errors are transient and retried with backoff, dead-lettered on the last attempt.
 */
export class SnapshotProcessor {
  private worker: Worker | undefined;
  private scheduler: Queue | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly concurrency: number,
    private readonly normalize: NormalizeSnapshotUseCase,
    private readonly sweep: SweepStaleHostsUseCase,
    private readonly deadLetter: DeadLetterJobUseCase,
    private readonly outbox: NotificationOutbox,
    private readonly stats: IngestStatsBuffer,
    private readonly metrics: WorkerMetrics,
  ) {}

  /** Start consuming; with `schedule`, also (idempotently) register the minute stale sweep. */
  async start(opts: { schedule?: boolean } = {}): Promise<void> {
    const connection = redisConnection(this.redisUrl, 'worker');
    if (opts.schedule) {
      this.scheduler = new Queue(QueueName.Snapshots, { connection, prefix: this.prefix });
      await this.scheduler.upsertJobScheduler('hosts.stale-sweep', { every: 60_000 }, { name: 'hosts.stale-sweep', data: {}, opts: SNAPSHOT_QUEUE_KEEP });
    }
    this.worker = new Worker(QueueName.Snapshots, (job) => this.handle(job), { connection, prefix: this.prefix, concurrency: this.concurrency });
    this.worker.on('error', () => undefined); // connection errors: ioredis reconnects; failures are counted per job
    await this.worker.waitUntilReady();
  }

  /** Dispatch by job name (one handler per name). */
  handle(job: Job): Promise<unknown> {
    if (job.name === 'snapshot.normalize') return this.handleNormalize(job);
    if (job.name === 'hosts.stale-sweep') return this.sweep.execute();
    return this.poison(job, new PoisonJobError('schema', `unknown job name ${job.name}`));
  }

  async handleNormalize(job: Job): Promise<Pick<NormalizeResult, 'outcome' | 'events'>> {
    const end = this.metrics.latency.startTimer();
    let r: NormalizeResult;
    try {
      r = await this.normalize.execute(job.data);
    } catch (e) {
      if (e instanceof PoisonJobError) return this.poison(job, e);
      this.metrics.failures.inc({ queue: QueueName.Snapshots, reason: 'transient' });
      if (isFinalAttempt(job)) {
        await this.deadLetter.execute(QueueName.Snapshots, job.name, job.data, `attempts exhausted: ${e instanceof Error ? e.message : String(e)}`);
        this.stats.add('deadLettered');
      }
      throw e;
    }
    end({ outcome: r.outcome });
    this.metrics.snapshots.inc({ outcome: r.outcome });
    await this.outbox.enqueue(r.deliveryIds);
    return { outcome: r.outcome, events: r.events };
  }

  private async poison(job: Job, e: PoisonJobError): Promise<never> {
    this.metrics.failures.inc({ queue: QueueName.Snapshots, reason: e.reason });
    await this.deadLetter.execute(QueueName.Snapshots, job.name, job.data, e.message);
    this.stats.add('deadLettered');
    throw new UnrecoverableError(e.message);
  }

  /** Stop fetching jobs until {@link resume}; the ones in flight finish first (the benchmark's rounds). */
  async pause(): Promise<void> {
    await this.worker?.pause();
  }

  resume(): void {
    this.worker?.resume();
  }

  /** Stop taking jobs and wait for the ones in flight (graceful SIGTERM). */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.scheduler?.close();
  }
}
