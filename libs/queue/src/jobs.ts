import { z } from 'zod';
import { SnapshotSchema } from '../../contracts/src';

/** Queue names: snapshots to normalize, notifications to deliver, and the dead-letter queue. */
export const QueueName = {
  Snapshots: 'snapshots',
  Notifications: 'notifications',
  DeadLetter: 'dead-letter',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** At most this many snapshots in one `snapshot.batch` job (see also {@link MAX_BATCH_BYTES}). */
export const MAX_BATCH_ITEMS = 512;

/**
 * At most this many bytes of JSON in one `snapshot.batch` job (a single larger snapshot goes alone). Why:
 * V8 allocates a string of 128 KiB or more in large-object space, and on our VMs making one costs ~1 ms
 * (Buffer#toString of 127 KiB: 33 µs; of 128 KiB: 1,100 µs — docs/benchmarks.md, Worker follow-up),
 * and the worker makes such a string of every job it takes (ioredis decodes the reply). Kept under that
 * with room for the envelope.
 */
export const MAX_BATCH_BYTES = 120 * 1024;

/** Bytes a snapshot adds to a `snapshot.batch` payload besides its own JSON (hostId, receivedAt, keys, punctuation). */
export const BATCH_ITEM_OVERHEAD_BYTES = 100;

/**
 * Job names mapped to payload schemas; every name has exactly one handler. Payloads in Redis may have
 * been written by an older deploy, so consumers re-parse them with these schemas.
 */
export const Jobs = {
  /** A snapshot accepted by the API, with the host it authenticated as. */
  'snapshot.normalize': z.object({
    hostId: z.uuid(),
    receivedAt: z.iso.datetime(),
    snapshot: SnapshotSchema,
  }),
  /**
   * Several accepted snapshots in one job (what the API enqueues: one job per batch of requests, so Redis
   * and BullMQ work once per batch, not once per snapshot). Each item is a 'snapshot.normalize' payload and
   * is validated on its own by the consumer, so one bad item never takes its neighbours down with it.
   */
  'snapshot.batch': z.object({
    items: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS),
  }),
  /** Deliver one alert transition (firing/resolved) to one channel. */
  'alert.notify': z.object({
    deliveryId: z.uuid(),
  }),
  /** Periodic sweep that raises/resolves `host_stale` alerts. */
  'hosts.stale-sweep': z.object({}),
  /** A job that could not be processed, with the reason; kept for people to look at and replay. */
  'dead-letter': z.object({
    queue: z.string(),
    jobName: z.string(),
    snapshotId: z.string().optional(),
    reason: z.string(),
    payload: z.unknown(),
  }),
} as const;
export type JobName = keyof typeof Jobs;
export type JobData<N extends JobName> = z.infer<(typeof Jobs)[N]>;
