import { Injectable } from '@nestjs/common';
import { addSnapshotJobs } from '../../../../libs/queue/src';
import { ApiError } from '../common/api-error';
import { RedisHandles } from './redis.provider';

/** How long a snapshotId is remembered for idempotency (agents retry from their spool for days). */
export const IDEMPOTENCY_TTL_SECONDS = 7 * 86400;
const MAX_BATCH = 256;
/** Batches in flight at once: while Redis works on one, the next is already on the wire. */
const MAX_IN_FLIGHT = 4;
const REDIS_TIMEOUT_MS = 3000;

interface Pending {
  snapshotId: string;
  /** The job's JSON text (libs/queue `snapshotJobJson`). */
  json: string;
  resolve: (s: 'queued' | 'duplicate') => void;
  reject: (e: unknown) => void;
}

/**
 * Enqueues `snapshot.normalize` jobs in batches. Requests parsed in the same event-loop turn share a batch, and up
 * to MAX_IN_FLIGHT batches are in flight at once; each batch costs three Redis round trips: a pipeline of `EXISTS <prefix>:ingest:seen:<id>` (a known
 * resend is a duplicate, never a second job), one `addBulk` of the new jobs with jobId `snapshotJobId(id)`
 * (BullMQ's own dedupe for concurrent sends), then a pipeline of `SET … NX EX` recording the ids. The job
 * is added before its id is recorded, so a failure or crash between the two can only cause a resend to be
 * enqueued again (the worker is idempotent), never a snapshot answered "duplicate" that was not queued.
 * If Redis fails, every caller of the batch gets 503 + Retry-After: nothing is dropped silently.
 */
@Injectable()
export class SnapshotQueueService {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly handles: RedisHandles) {}

  submit(snapshotId: string, json: string): Promise<'queued' | 'duplicate'> {
    return new Promise((resolve, reject) => {
      this.pending.push({ snapshotId, json, resolve, reject });
      this.schedule();
    });
  }

  /** Flushes on the next turn of the event loop, so requests parsed in the same turn share a batch. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < MAX_IN_FLIGHT && this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        this.inFlight++;
        void this.flush(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  private async flush(batch: Pending[]): Promise<void> {
    const { redis, snapshots, prefix } = this.handles;
    const key = (id: string) => `${prefix}:ingest:seen:${id}`;
    try {
      // 1. Known resends are duplicates: no second job.
      const seen = await withTimeout(batch.reduce((p, b) => p.exists(key(b.snapshotId)), redis.pipeline()).exec(), REDIS_TIMEOUT_MS);
      if (!seen) throw new Error('Redis pipeline was aborted');
      const seenError = seen.find(([err]) => err);
      if (seenError) throw seenError[0];
      const fresh = batch.filter((_, i) => seen[i]![1] === 0);
      // 2. The job goes in BEFORE the idempotency record: if Redis or this process dies in between, the
      //    agent's resend is enqueued again (the worker is idempotent on snapshotId) instead of being
      //    answered "duplicate" for a snapshot that never reached the queue.
      if (fresh.length > 0) await withTimeout(addSnapshotJobs(snapshots, fresh), REDIS_TIMEOUT_MS);
      // 3. Record the ids; a concurrent request for the same id that lost the race is the duplicate
      //    (its addBulk was a no-op: same jobId).
      const claimed = fresh.length > 0
        ? await withTimeout(fresh.reduce((p, b) => p.set(key(b.snapshotId), '1', 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX'), redis.pipeline()).exec(), REDIS_TIMEOUT_MS)
        : [];
      if (!claimed) throw new Error('Redis pipeline was aborted');
      const failed = claimed.find(([err]) => err);
      if (failed) throw failed[0];
      const queued = new Set(fresh.filter((_, i) => claimed[i]![1] === 'OK'));
      for (const b of batch) b.resolve(queued.has(b) ? 'queued' : 'duplicate');
    } catch (e) {
      const err = new ApiError('unavailable', `the snapshot queue (Redis) is not available: ${(e as Error).message}`, { 'Retry-After': '10' }, undefined, { cause: e });
      for (const b of batch) b.reject(err);
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
