import type { ConnectionOptions, DefaultJobOptions } from 'bullmq';

/**
 * BullMQ connection options from a `redis://` URL. `maxRetriesPerRequest: null` is what BullMQ workers
 * require; producers (the API) set `enableOfflineQueue: false` so a down Redis fails fast (→ 503) instead
 * of queueing commands in memory.
 */
export function redisConnection(url: string, role: 'producer' | 'worker'): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
}

/**
 * How many finished jobs the snapshots queue keeps. BullMQ applies a job's `removeOnComplete` count to the
 * queue's whole completed set, so every job on this queue (the stale sweep too) must use the same policy.
 */
export const SNAPSHOT_QUEUE_KEEP = {
  removeOnComplete: { count: 1000, age: 3600 },
  removeOnFail: { count: 10000, age: 7 * 86400 },
} as const;

/** Default options for snapshot jobs: retries with exponential backoff for transient failures. */
export function snapshotJobOptions(attempts: number): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 1000 },
    ...SNAPSHOT_QUEUE_KEEP,
  };
}

/** Default options for notification jobs: a receiver that is down delays delivery, it never loses it. */
export const notificationJobOptions: DefaultJobOptions = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 10000 },
};
