import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { addSnapshotBatch, batchItemBytes, MAX_BATCH_ITEMS, nextBatchLength, type SnapshotBatchItem } from '../../../../libs/queue/src';
import { ApiError } from '../common/api-error';
import { RedisHandles } from './redis.provider';

/** How long a snapshotId is remembered for idempotency (agents retry from their spool for days). */
export const IDEMPOTENCY_TTL_SECONDS = 7 * 86400;
/**
 * How long a claimed-but-not-yet-queued snapshotId stays claimed when the API dies between the claim and
 * the job: a resend within this time gets 503 + Retry-After ("being enqueued"), never a false "duplicate".
 */
export const PENDING_TTL_SECONDS = 60;
/** Snapshots per job: one job (one Redis write) per batch of requests; bytes per job: libs/queue MAX_BATCH_BYTES. */
const MAX_BATCH = Math.min(256, MAX_BATCH_ITEMS);
/** Batches in flight at once (small batches: 64 agents at once are ~13 batches of 22 KB snapshots). */
const MAX_IN_FLIGHT = 16;
const REDIS_TIMEOUT_MS = 3000;

/** Claims ids atomically: 1 = claimed now (marker 'p' with a short TTL), 0 = already queued ('1'), 2 = claimed by a request still in flight. */
const CLAIM_LUA = `
local r = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if not v then
    redis.call('SET', k, 'p', 'EX', ARGV[1])
    r[i] = 1
  elseif v == 'p' then
    r[i] = 2
  else
    r[i] = 0
  end
end
return r`;
/** Marks claimed ids as queued for the idempotency TTL. */
const CONFIRM_LUA = `
for _, k in ipairs(KEYS) do redis.call('SET', k, '1', 'EX', ARGV[1]) end
return #KEYS`;
/** Gives back claims whose job could not be added, so the agent's retry is not told "being enqueued". */
const RELEASE_LUA = `
local n = 0
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == 'p' then redis.call('DEL', k); n = n + 1 end
end
return n`;

interface ScriptedRedis extends Redis {
  virtcapClaim(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  virtcapConfirm(numKeys: number, ...args: (string | number)[]): Promise<number>;
  virtcapRelease(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

type Status = 'queued' | 'duplicate';

interface Pending {
  snapshotId: string;
  item: SnapshotBatchItem;
  bytes: number;
  resolve: (s: Status) => void;
  reject: (e: unknown) => void;
}

/**
 * Enqueues accepted snapshots, many to a BullMQ job. Requests parsed in the same event-loop turn share a
 * batch (up to MAX_BATCH snapshots / libs/queue MAX_BATCH_BYTES), and up to MAX_IN_FLIGHT batches are in flight at
 * once, so under load batches grow by themselves and each costs Redis one job instead of one per snapshot.
 *
 * Idempotency on `snapshotId` (a resend is `duplicate`, never a second job), with three small Lua calls
 * around the one `snapshot.batch` job:
 * 1. claim: for each id, `<prefix>:ingest:seen:<id>` absent → set to 'p' for PENDING_TTL_SECONDS (ours);
 *    '1' → duplicate; 'p' → another request (maybe on another replica) is enqueueing it → 503 Retry-After.
 * 2. add the job holding the claimed snapshots (their request bytes, spliced, no re-serialization);
 * 3. confirm: the claimed ids become '1' for IDEMPOTENCY_TTL_SECONDS.
 * A crash between 1 and 2 leaves 'p' markers that expire: resends get 503 meanwhile, then are queued —
 * never answered "duplicate" for a snapshot that is not in the queue. If the add fails, the claims are
 * given back and every caller of the batch gets 503 + Retry-After: nothing is dropped silently. Within
 * this process, a second request for an id still in flight waits for the first and is its duplicate.
 */
@Injectable()
export class SnapshotQueueService {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly inProcess = new Map<string, Promise<Status>>();
  private readonly redis: ScriptedRedis;

  constructor(private readonly handles: RedisHandles) {
    const r = handles.redis as ScriptedRedis;
    if (typeof r.virtcapClaim !== 'function') {
      r.defineCommand('virtcapClaim', { lua: CLAIM_LUA });
      r.defineCommand('virtcapConfirm', { lua: CONFIRM_LUA });
      r.defineCommand('virtcapRelease', { lua: RELEASE_LUA });
    }
    this.redis = r;
  }

  /** Queue one validated snapshot; resolves `queued` once its job is in Redis, `duplicate` for a resend. */
  submit(snapshotId: string, item: SnapshotBatchItem): Promise<Status> {
    const earlier = this.inProcess.get(snapshotId);
    if (earlier) return earlier.then(() => 'duplicate' as const);
    const p = new Promise<Status>((resolve, reject) => {
      this.pending.push({ snapshotId, item, bytes: batchItemBytes(item), resolve, reject });
      this.schedule();
    });
    this.inProcess.set(snapshotId, p);
    const forget = () => this.inProcess.delete(snapshotId);
    p.then(forget, forget);
    return p;
  }

  /** Flushes on the next turn of the event loop, so requests parsed in the same turn share a batch. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < MAX_IN_FLIGHT && this.pending.length > 0) {
        const batch = this.takeBatch();
        this.inFlight++;
        void this.flush(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  /** The next batch: libs/queue's byte cap (a job's JSON stays under V8's 128 KiB large-string cliff). */
  private takeBatch(): Pending[] {
    return this.pending.splice(0, nextBatchLength(this.pending.slice(0, MAX_BATCH).map((p) => p.bytes), MAX_BATCH));
  }

  private async flush(batch: Pending[]): Promise<void> {
    const key = (id: string) => `${this.handles.prefix}:ingest:seen:${id}`;
    let claimedKeys: string[] = [];
    try {
      const keys = batch.map((b) => key(b.snapshotId));
      const claims = await withTimeout(this.redis.virtcapClaim(keys.length, ...keys, PENDING_TTL_SECONDS), REDIS_TIMEOUT_MS);
      const fresh = batch.filter((_, i) => claims[i] === 1);
      claimedKeys = keys.filter((_, i) => claims[i] === 1);
      if (fresh.length > 0) {
        await withTimeout(addSnapshotBatch(this.handles.snapshots, fresh.map((b) => b.item)), REDIS_TIMEOUT_MS);
        // The job is in: from here on, every claimed snapshot is queued whatever happens to the confirm
        // (its 'p' marker then expires and a later resend is queued again; the worker is idempotent).
        const done = claimedKeys;
        claimedKeys = [];
        await withTimeout(this.redis.virtcapConfirm(done.length, ...done, IDEMPOTENCY_TTL_SECONDS), REDIS_TIMEOUT_MS).catch(() => undefined);
      }
      batch.forEach((b, i) => {
        if (claims[i] === 1) b.resolve('queued');
        else if (claims[i] === 0) b.resolve('duplicate');
        else b.reject(new ApiError('unavailable', `snapshot ${b.snapshotId} is being enqueued by another request; retry shortly`, { 'Retry-After': '5' }));
      });
    } catch (e) {
      if (claimedKeys.length > 0) await withTimeout(this.redis.virtcapRelease(claimedKeys.length, ...claimedKeys), REDIS_TIMEOUT_MS).catch(() => undefined);
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
