import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Jobs, QueueName, redisConnection, SNAPSHOT_QUEUE_KEEP, snapshotKeysOf } from '../../../../libs/queue/src';
import { PoisonJobError } from '../errors';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import type { NotificationOutbox } from '../notifications/notification-outbox';
import type { DeadLetterJobUseCase } from '../use-cases/dead-letter-job/dead-letter-job.use-case';
import type { NormalizeResult, NormalizeSnapshotUseCase } from '../use-cases/normalize-snapshot/normalize-snapshot.use-case';
import type { IngestStatsBuffer } from '../use-cases/normalize-snapshot/ingest-stats-buffer';
import type { SweepStaleHostsUseCase } from '../use-cases/sweep-stale-hosts/sweep-stale-hosts.use-case';

/** Whether this run is the job's last allowed attempt. */
export const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/** Snapshots of one batch job normalized at once (items of one host run one after another). */
const BATCH_CONCURRENCY = 32;

/** What a 'snapshot.batch' job did: outcomes per kind (also the job's return value). */
export interface BatchResult {
  items: number;
  outcomes: Partial<Record<NormalizeResult['outcome'] | 'dead_lettered', number>>;
}

/** A batch job whose items could not all be stored this attempt (the job keeps only those for the retry). */
export class BatchRetryError extends Error {
  constructor(
    readonly failed: number,
    readonly total: number,
    readonly first: unknown,
  ) {
    super(`${failed} of ${total} snapshots failed (retried): ${first instanceof Error ? first.message : String(first)}`, { cause: first });
    this.name = 'BatchRetryError';
  }
}

/**
 * The snapshots queue: 'snapshot.batch' jobs (what the API enqueues: several snapshots per job),
 * 'snapshot.normalize' jobs (one snapshot; written by earlier API versions, tests and tools) and the
 * repeatable 'hosts.stale-sweep'. Poison snapshots (PoisonJobError) are dead-lettered at once, one by
 * one, without retries; other errors are transient and retried with backoff, dead-lettered on the last
 * attempt. A batch retries only its items that failed transiently (the job's data is rewritten to them).
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
    if (job.name === 'snapshot.batch') return this.handleBatch(job);
    if (job.name === 'snapshot.normalize') return this.handleNormalize(job);
    if (job.name === 'hosts.stale-sweep') return this.sweep.execute();
    return this.poison(job, new PoisonJobError('schema', `unknown job name ${job.name}`));
  }

  async handleNormalize(job: Job): Promise<Pick<NormalizeResult, 'outcome' | 'events'>> {
    let r: NormalizeResult;
    try {
      r = await this.normalizeOne(job.data);
    } catch (e) {
      if (e instanceof PoisonJobError) return this.poison(job, e);
      this.metrics.failures.inc({ queue: QueueName.Snapshots, reason: 'transient' });
      if (isFinalAttempt(job)) await this.park(job.name, job.data, exhausted(e));
      throw e;
    }
    await this.outbox.enqueue(r.deliveryIds);
    return { outcome: r.outcome, events: r.events };
  }

  /**
   * A batch: the envelope is checked (a malformed one is poison as a whole), then every item is normalized
   * like a 'snapshot.normalize' job — items of one host in collectedAt order, one after another, so a
   * spool replay landing in one batch is stored oldest first; different hosts concurrently (their
   * unchanged touches then share the batcher's statements). A poison item is dead-lettered on its own with
   * its snapshot id; the others go on. If some failed transiently, the job keeps only those and is retried
   * (or, on its last attempt, they are dead-lettered).
   */
  async handleBatch(job: Job): Promise<BatchResult> {
    const parsed = Jobs['snapshot.batch'].safeParse(job.data);
    if (!parsed.success) {
      return this.poison(job, new PoisonJobError('schema', `snapshot.batch: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`));
    }
    const items = parsed.data.items;
    const result: BatchResult = { items: items.length, outcomes: {} };
    const count = (k: keyof BatchResult['outcomes']) => (result.outcomes[k] = (result.outcomes[k] ?? 0) + 1);
    const retry: { item: unknown; error: unknown }[] = [];
    await forEachLimited(groupByHost(items), BATCH_CONCURRENCY, async (group) => {
      for (const item of group) {
        try {
          const r = await this.normalizeOne(item);
          await this.outbox.enqueue(r.deliveryIds);
          count(r.outcome);
        } catch (e) {
          if (e instanceof PoisonJobError) {
            this.metrics.failures.inc({ queue: QueueName.Snapshots, reason: e.reason });
            await this.park('snapshot.normalize', item, e.message);
            count('dead_lettered');
          } else {
            this.metrics.failures.inc({ queue: QueueName.Snapshots, reason: 'transient' });
            retry.push({ item, error: e });
          }
        }
      }
    });
    if (retry.length === 0) return result;
    if (isFinalAttempt(job)) {
      for (const r of retry) await this.park('snapshot.normalize', r.item, exhausted(r.error));
    } else {
      // Only the failed items are tried again; if Redis refuses the rewrite, the whole batch is (idempotent).
      await job.updateData({ items: retry.map((r) => r.item) }).catch(() => undefined);
    }
    throw new BatchRetryError(retry.length, items.length, retry[0]!.error);
  }

  /** One snapshot payload: normalize and count it (latency, outcome). Throws what normalize throws. */
  private async normalizeOne(data: unknown): Promise<NormalizeResult> {
    const end = this.metrics.latency.startTimer();
    const r = await this.normalize.execute(data);
    end({ outcome: r.outcome });
    this.metrics.snapshots.inc({ outcome: r.outcome });
    return r;
  }

  /** Dead-letters one payload with the reason and counts it in ingest_stats. */
  private async park(jobName: string, payload: unknown, reason: string): Promise<void> {
    await this.deadLetter.execute(QueueName.Snapshots, jobName, payload, reason);
    this.stats.add('deadLettered');
  }

  private async poison(job: Job, e: PoisonJobError): Promise<never> {
    this.metrics.failures.inc({ queue: QueueName.Snapshots, reason: e.reason });
    await this.park(job.name, job.data, e.message);
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

/** The dead-letter reason for a payload whose last attempt failed transiently. */
const exhausted = (e: unknown): string => `attempts exhausted: ${e instanceof Error ? e.message : String(e)}`;

/** Items grouped by host (hostId of the payload; unknown shapes each alone), each group oldest collectedAt first. */
export function groupByHost(items: readonly unknown[]): unknown[][] {
  const groups = new Map<string, unknown[]>();
  const loose: unknown[][] = [];
  for (const item of items) {
    const hostId = (item as { hostId?: unknown } | null)?.hostId;
    if (typeof hostId !== 'string') {
      loose.push([item]);
      continue;
    }
    const g = groups.get(hostId);
    if (g) g.push(item);
    else groups.set(hostId, [item]);
  }
  const at = (item: unknown): number => {
    const t = Date.parse(String(snapshotKeysOf(item).collectedAt)); // a gzip item names it beside its body
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  for (const g of groups.values()) if (g.length > 1) g.sort((a, b) => at(a) - at(b));
  return [...groups.values(), ...loose];
}

/** Runs `fn` over `xs` with at most `limit` at once; rejects with the first error after all settle. */
async function forEachLimited<T>(xs: readonly T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < xs.length) {
      const x = xs[next++]!;
      await fn(x).catch((e: unknown) => errors.push(e));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, lane));
  if (errors.length > 0) throw errors[0];
}
