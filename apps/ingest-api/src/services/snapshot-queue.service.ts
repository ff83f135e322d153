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
 * to MAX_IN_FLIGHT batches are in flight at once; each batch costs two Redis round trips: a pipeline of `SET <prefix>:ingest:seen:<id> 1 NX EX`
 * (the idempotency record: a resend is a duplicate, never a second job) and one `addBulk` of the new jobs
 * with jobId `snapshotJobId(id)` (BullMQ's own dedupe as a second guard). If the enqueue fails, the
 * idempotency keys of that batch are deleted again so the agent's retry is not mistaken for a duplicate,
 * and every caller gets 503 + Retry-After: nothing is dropped silently.
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
    let claimed: Pending[] = [];
    try {
      const res = await withTimeout(
        batch.reduce((p, b) => p.set(key(b.snapshotId), '1', 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX'), redis.pipeline()).exec(),
        REDIS_TIMEOUT_MS,
      );
      if (!res) throw new Error('Redis pipeline was aborted');
      const fresh: Pending[] = [];
      const dup: Pending[] = [];
      let failure: Error | null = null;
      res.forEach(([err, ok], i) => {
        if (err) failure = err;
        else (ok === 'OK' ? fresh : dup).push(batch[i]);
      });
      claimed = fresh;
      if (failure) throw failure;
      if (fresh.length > 0) {
        await withTimeout(addSnapshotJobs(snapshots, fresh), REDIS_TIMEOUT_MS);
      }
      for (const b of fresh) b.resolve('queued');
      for (const b of dup) b.resolve('duplicate');
    } catch (e) {
      if (claimed.length > 0) await redis.del(...claimed.map((b) => key(b.snapshotId))).catch(() => undefined); // Redis is failing; keys expire anyway
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
